import { createEventsHandler } from '../handlers/events';
import { createInstallPageHandler } from '../handlers/install-page';
import { captureDeps } from '../lib/capture/capture-deps';
import type { Config } from '../lib/config';
import type { LocalRoute } from './http-server';

/** The routes of serverless.yml, served locally by the same handlers. */
export function localRoutes(config: Config): LocalRoute[] {
  const deps = captureDeps(config);
  return [
    { method: 'POST', path: '/bitrix24/events', handler: createEventsHandler(() => deps) },
    { method: 'POST', path: '/bitrix24/install', handler: createInstallPageHandler(() => deps) },
  ];
}
