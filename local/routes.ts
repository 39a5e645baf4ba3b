import { createEventsHandler } from '../handlers/events';
import { createTokenHandler } from '../handlers/token';
import type { Config } from '../lib/config';
import { appDeps } from '../lib/receiver-deps';
import type { LocalRoute } from './http-server';

/**
 * The routes of serverless.yml, served locally by the same handlers. Locally nothing checks IAM:
 * the token route answers anyone who can reach the loopback port (in AWS it is `aws_iam`).
 */
export function localRoutes(config: Config): LocalRoute[] {
  const deps = appDeps(config);
  return [
    { method: 'POST', path: '/bitrix24/events', handler: createEventsHandler(() => deps.receiver) },
    { method: 'GET', path: '/installations/{member_id}/token', handler: createTokenHandler(() => deps.vault) },
  ];
}
