import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import { clientSecretSource } from './client-secret';
import type { Config } from './config';
import { loadConfig } from './config';
import { InvalidPayloadError } from './errors';
import { storeFromConfig } from './installations-store';
import { logger } from './logger';
import { createOAuthClient } from './oauth-client';
import { MemberId, Token } from './schemas';
import { safeEqual } from './secret-hash';
import type { NeedsRefresh } from './single-flight';
import { obtainToken } from './single-flight';
import type { AccessToken, TokenSource, VaultDeps, VaultLogger } from './vault-types';
import { toAccessToken } from './vault-types';

/**
 * The token vault (DESIGN.md "Library"): any backend service gets a valid access token for a
 * portal in one call. The stored token while it stays valid for more than a margin; otherwise one
 * refresh, shared by every caller in every process.
 */
export type { AccessToken, TokenSource, VaultLogger } from './vault-types';

/** A stored token valid for less than this is refreshed before it is handed out. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** Bitrix24's access tokens live an hour: a larger margin would refresh on every call. */
export const MAX_REFRESH_MARGIN_MS = 30 * 60_000;

export interface GetAccessTokenOptions {
  /** The access token Bitrix24 just answered `expired_token` or `NO_AUTH_FOUND` to: refresh only if it is still the stored one. */
  rejected?: string;
  /** Refresh first if the stored token is valid for less than this (default REFRESH_MARGIN_MS). */
  marginMs?: number;
}

export interface ResolvedToken {
  token: AccessToken;
  source: TokenSource;
  /** The OAuth server this installation belongs to (already allowlisted when it was stored). */
  serverEndpoint: string;
}

export interface TokenVault {
  getAccessToken(memberId: string, options?: GetAccessTokenOptions): Promise<AccessToken>;
  /** `getAccessToken`, telling how the token was obtained (for log lines). */
  resolveAccessToken(memberId: string, options?: GetAccessTokenOptions): Promise<ResolvedToken>;
  /**
   * Refreshes now, unless the stored tokens were issued at or after `ifIssuedBefore` (Unix seconds):
   * whoever refreshed since has done the work. For the keep-alive and `b24-installs refresh`.
   */
  refreshAccessToken(memberId: string, options: { ifIssuedBefore: number }): Promise<ResolvedToken>;
}

const Options = z.object({
  rejected: z.optional(Token),
  marginMs: z.optional(z.int().check(z.gte(0), z.lte(MAX_REFRESH_MARGIN_MS))),
});

function validMemberId(memberId: string): string {
  if (!z.safeParse(MemberId, memberId).success) throw new InvalidPayloadError(['member_id']);
  return memberId;
}

function expiryPolicy(deps: VaultDeps, options: GetAccessTokenOptions): NeedsRefresh {
  const parsed = z.safeParse(Options, options);
  if (!parsed.success) throw new InvalidPayloadError(parsed.error.issues.map((issue) => issue.path.map(String).join('.')));
  const { rejected, marginMs = deps.refreshMarginMs } = parsed.data;
  return (installation, nowMs) =>
    (rejected !== undefined && safeEqual(rejected, installation.access_token)) || installation.expires_at * 1000 - nowMs <= marginMs;
}

/** The vault over explicit parts: the handlers, the CLI and the tests build it this way. */
export function tokenVault(deps: VaultDeps): TokenVault {
  const resolve = async (memberId: string, needsRefresh: NeedsRefresh): Promise<ResolvedToken> => {
    const { installation, source } = await obtainToken(deps, validMemberId(memberId), needsRefresh);
    return { token: toAccessToken(installation), source, serverEndpoint: installation.server_endpoint };
  };
  return {
    async getAccessToken(memberId, options = {}) {
      return (await resolve(memberId, expiryPolicy(deps, options))).token;
    },
    resolveAccessToken: (memberId, options = {}) => resolve(memberId, expiryPolicy(deps, options)),
    refreshAccessToken: (memberId, { ifIssuedBefore }) => resolve(memberId, (installation) => (installation.tokens_issued_at ?? 0) < ifIssuedBefore),
  };
}

export interface VaultParts {
  config: Config;
  /** Defaults to the Powertools JSON logger every function uses. */
  log?: VaultLogger;
  refreshMarginMs?: number;
}

/** Real parts from configuration: the DynamoDB table, the OAuth-server client, the client secret source. */
export function vaultDeps({ config, log = logger, refreshMarginMs = REFRESH_MARGIN_MS }: VaultParts, shared: Partial<Pick<VaultDeps, 'store' | 'oauth'>> = {}): VaultDeps {
  return {
    store: shared.store ?? storeFromConfig(config),
    oauth: shared.oauth ?? createOAuthClient({ timeoutMs: config.OAUTH_TIMEOUT_MS }),
    clientId: config.BITRIX24_CLIENT_ID,
    clientSecret: clientSecretSource(config),
    allowedOauthServers: config.BITRIX24_OAUTH_SERVERS,
    leaseTtlMs: config.REFRESH_LEASE_TTL_MS,
    oauthTimeoutMs: config.OAUTH_TIMEOUT_MS,
    refreshMarginMs,
    log,
    nowMs: Date.now,
    sleep: (ms) => sleep(ms),
    newOwnerId: randomUUID,
  };
}

export interface TokenVaultOptions {
  /** The environment to read (default `process.env`): the same variables as the handlers. */
  env?: NodeJS.ProcessEnv;
  /** Default margin for every call (default REFRESH_MARGIN_MS). */
  refreshMarginMs?: number;
  log?: VaultLogger;
}

/**
 * `import { createTokenVault } from 'b24-install-receiver'`. With no options it reads the same
 * environment as the handlers; a missing or invalid variable throws `misconfigured` here, at once.
 */
export function createTokenVault(options: TokenVaultOptions = {}): TokenVault {
  const config = loadConfig(options.env ?? process.env);
  const parts: VaultParts = { config };
  if (options.log) parts.log = options.log;
  if (options.refreshMarginMs !== undefined) {
    if (!z.safeParse(Options, { marginMs: options.refreshMarginMs }).success) throw new InvalidPayloadError(['refreshMarginMs']);
    parts.refreshMarginMs = options.refreshMarginMs;
  }
  return tokenVault(vaultDeps(parts));
}
