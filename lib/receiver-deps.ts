import type { Config } from './config';
import { createDynamoStore } from './installations-store';
import { createOAuthClient } from './oauth-client';
import type { ReceiverDeps } from './receive-grant';

/** Wires the receiver from configuration: the one place where the real store and OAuth client are built. */
export function receiverDeps(config: Config): ReceiverDeps {
  return {
    store: createDynamoStore({
      tableName: config.INSTALLATIONS_TABLE,
      timeoutMs: config.DYNAMODB_TIMEOUT_MS,
      endpoint: config.AWS_ENDPOINT_URL_DYNAMODB,
      region: config.AWS_REGION,
    }),
    oauth: createOAuthClient({ timeoutMs: config.OAUTH_TIMEOUT_MS }),
    clientId: config.BITRIX24_CLIENT_ID,
    allowedOauthServers: config.BITRIX24_OAUTH_SERVERS,
    nowMs: Date.now,
  };
}
