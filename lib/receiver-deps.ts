import type { Config } from './config';
import { confirmUninstall } from './confirm-uninstall';
import { storeFromConfig } from './installations-store';
import { createOAuthClient } from './oauth-client';
import type { ReceiverDeps } from './receive-grant';
import type { TokenVault } from './token-vault';
import { tokenVault, vaultDeps } from './token-vault';
import type { VaultDeps } from './vault-types';

export interface AppDeps {
  receiver: ReceiverDeps;
  vault: TokenVault;
  vaultDeps: VaultDeps;
}

/** Wires the product from configuration: the one place where the real store, OAuth client and vault are built, sharing one of each. */
export function appDeps(config: Config): AppDeps {
  const store = storeFromConfig(config);
  const oauth = createOAuthClient({ timeoutMs: config.OAUTH_TIMEOUT_MS });
  const deps = vaultDeps({ config }, { store, oauth });
  const vault = tokenVault(deps);
  const refreshProof = { oauth, clientId: config.BITRIX24_CLIENT_ID, clientSecret: deps.clientSecret, nowMs: Date.now, log: deps.log };
  const verify = { oauth, clientId: config.BITRIX24_CLIENT_ID, allowedOauthServers: config.BITRIX24_OAUTH_SERVERS, refreshProof };
  return {
    receiver: {
      ...verify,
      store,
      nowMs: Date.now,
      confirmUninstall: (memberId) => confirmUninstall({ ...verify, vault }, memberId),
    },
    vault,
    vaultDeps: deps,
  };
}

/**
 * A receiver for the install page alone: it never uninstalls (no confirmation through the vault)
 * and its tokens are minutes old (no proof by refresh), so its bundle carries neither the vault
 * nor the secret's SSM reader.
 */
export function installPageReceiverDeps(config: Config): ReceiverDeps {
  return {
    store: storeFromConfig(config),
    oauth: createOAuthClient({ timeoutMs: config.OAUTH_TIMEOUT_MS }),
    clientId: config.BITRIX24_CLIENT_ID,
    allowedOauthServers: config.BITRIX24_OAUTH_SERVERS,
    nowMs: Date.now,
  };
}

/** The receiver's part of `appDeps`. */
export function receiverDeps(config: Config): ReceiverDeps {
  return appDeps(config).receiver;
}
