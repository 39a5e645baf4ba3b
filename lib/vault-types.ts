import type { ClientSecretSource } from './client-secret';
import { InstallationStateError, NotInstalledError } from './errors';
import type { Installation } from './installation';
import type { InstallationsStore } from './installations-store';
import type { OAuthClient } from './oauth-client';

/** What a caller gets: enough to call the portal's REST API. `expiresAt` is absolute Unix seconds. */
export interface AccessToken {
  accessToken: string;
  clientEndpoint: string;
  domain: string;
  expiresAt: number;
  scope: string;
}

/** How the token was obtained, for the log line: as stored, refreshed by this call, or refreshed by another process while this call waited. */
export type TokenSource = 'stored' | 'refreshed' | 'refreshed_elsewhere';

/** Fields for log lines; never a token (the redacting replacer would hide one anyway). */
export interface VaultLogger {
  error(message: string, fields: Record<string, string | number | undefined>): void;
  warn(message: string, fields: Record<string, string | number | undefined>): void;
}

export interface VaultDeps {
  store: InstallationsStore;
  oauth: OAuthClient;
  clientId: string;
  clientSecret: ClientSecretSource;
  allowedOauthServers: ReadonlySet<string>;
  /** See config REFRESH_LEASE_TTL_MS. */
  leaseTtlMs: number;
  /** One OAuth call's time limit; bounds how long a caller waits for someone else's refresh. */
  oauthTimeoutMs: number;
  /** Default margin: a stored token valid for less than this is refreshed first. */
  refreshMarginMs: number;
  log: VaultLogger;
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
  /** A fresh lease owner per refresh attempt (not per process: two calls in one process are two owners). */
  newOwnerId: () => string;
}

/** An installation that can give a token: active, with every field a token reply needs. */
type TokenFields = 'access_token' | 'refresh_token' | 'expires_at' | 'server_endpoint' | 'client_endpoint' | 'domain';
export type UsableInstallation = Installation & { [K in TokenFields]-?: NonNullable<Installation[K]> };

/** The installation's state as an error, or the installation ready to use (DESIGN.md "States"). */
export function requireUsable(installation: Installation | undefined): UsableInstallation {
  if (!installation) throw new NotInstalledError();
  switch (installation.state) {
    case 'pending_verification':
      throw new InstallationStateError('pending_verification', 'The install for this portal has not been verified yet; it will be once the OAuth server answers');
    case 'needs_reinstall':
      throw new InstallationStateError('needs_reinstall', "The portal's refresh token is dead (invalid_grant); an administrator of the portal must reinstall the app");
    case 'uninstalled':
      throw new InstallationStateError('uninstalled', 'The app has been uninstalled from this portal');
    case 'active':
      break;
  }
  const { access_token, refresh_token, expires_at, server_endpoint, client_endpoint, domain } = installation;
  if (!access_token || !refresh_token || expires_at === undefined || !server_endpoint || !client_endpoint || !domain) {
    throw new InstallationStateError('needs_reinstall', 'The stored installation has no usable tokens; the portal must reinstall the app');
  }
  return { ...installation, access_token, refresh_token, expires_at, server_endpoint, client_endpoint, domain };
}

export function toAccessToken(installation: UsableInstallation): AccessToken {
  return {
    accessToken: installation.access_token,
    clientEndpoint: installation.client_endpoint,
    domain: installation.domain,
    expiresAt: installation.expires_at,
    scope: installation.scope ?? '',
  };
}
