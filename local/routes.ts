import { createEventsHandler } from '../handlers/events';
import type { Config } from '../lib/config';
import { receiverDeps } from '../lib/receiver-deps';
import type { LocalRoute } from './http-server';

/** The routes of serverless.yml, served locally by the same handlers. */
export function localRoutes(config: Config): LocalRoute[] {
  const deps = receiverDeps(config);
  return [{ method: 'POST', path: '/bitrix24/events', handler: createEventsHandler(() => deps) }];
}
