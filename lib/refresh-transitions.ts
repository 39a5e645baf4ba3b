import type { Installation } from './installation';
import type { TokenResponse } from './oauth-client';
import { expiresAtFrom } from './token-expiry';

/**
 * What a refresh does to the stored installation, as pure functions. Each one applies only if the
 * item still holds the refresh token that was used: anything else means another writer (a
 * concurrent refresh, a reinstall, an uninstall) has moved the installation on, and it wins.
 */


function stillHolds(existing: Installation | undefined, usedRefreshToken: string): existing is Installation {
  return existing !== undefined && existing.refresh_token === usedRefreshToken;
}

/**
 * New tokens from the OAuth server. Also heals a `needs_reinstall` that a concurrent process wrote
 * after losing a race for this same refresh token: our answer proves the chain alive.
 */
export function applyRefreshedTokens(existing: Installation | undefined, usedRefreshToken: string, tokens: TokenResponse, nowSeconds: number): Installation | undefined {
  if (!stillHolds(existing, usedRefreshToken)) return undefined;
  if (existing.state !== 'active' && existing.state !== 'needs_reinstall') return undefined;
  const next: Installation = {
    ...existing,
    state: 'active',
    version: existing.version + 1,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: expiresAtFrom(tokens, nowSeconds),
    tokens_issued_at: nowSeconds,
    updated_at: nowSeconds,
  };
  if (tokens.client_endpoint) next.client_endpoint = tokens.client_endpoint;
  if (tokens.scope) next.scope = tokens.scope;
  if (tokens.status) next.status = tokens.status;
  return next;
}

/** `invalid_grant` for the stored refresh token, after a re-read showed nobody rotated it: the portal must reinstall. Tokens are kept for the record. */
export function markNeedsReinstall(existing: Installation | undefined, usedRefreshToken: string, nowSeconds: number): Installation | undefined {
  if (!stillHolds(existing, usedRefreshToken) || existing.state !== 'active') return undefined;
  return { ...existing, state: 'needs_reinstall', version: existing.version + 1, updated_at: nowSeconds };
}

/** `NOT_INSTALLED`: the app is gone from the portal; its tokens are erased as an uninstall would. `event_ts` is left for a late ONAPPUNINSTALL. */
export function markUninstalled(existing: Installation | undefined, usedRefreshToken: string, nowSeconds: number): Installation | undefined {
  if (!stillHolds(existing, usedRefreshToken) || (existing.state !== 'active' && existing.state !== 'needs_reinstall')) return undefined;
  const next: Installation = { ...existing, state: 'uninstalled', version: existing.version + 1, uninstalled_at: nowSeconds, updated_at: nowSeconds };
  delete next.access_token;
  delete next.refresh_token;
  delete next.expires_at;
  delete next.tokens_issued_at;
  return next;
}
