import { createEventsHandler } from '../handlers/events';
import { createInstallPageHandler } from '../handlers/install-page';
import { createTokenHandler } from '../handlers/token';
import { captureDeps } from '../lib/capture/capture-deps';
import type { Config } from '../lib/config';
import { appDeps, installPageReceiverDeps } from '../lib/receiver-deps';
import type { LocalRoute } from './http-server';

/**
 * The routes of serverless.yml, served locally by the same handlers. Locally nothing checks IAM:
 * the token route answers anyone who can reach the loopback port (in AWS it is `aws_iam`).
 */
export function localRoutes(config: Config): LocalRoute[] {
  const app = appDeps(config);
  const receiving = captureDeps(config, app.receiver);
  // The same wiring as the deployed install page: without the vault.
  const installPage = captureDeps(config, installPageReceiverDeps(config));
  return [
    { method: 'POST', path: '/bitrix24/events', handler: createEventsHandler(() => receiving) },
    { method: 'POST', path: '/bitrix24/install', handler: createInstallPageHandler(() => installPage) },
    { method: 'GET', path: '/installations/{member_id}/token', handler: createTokenHandler(() => app.vault) },
  ];
}
