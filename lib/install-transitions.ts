import type { Grant, Installation, PendingGrant } from './installation';
import { hasVerifiedData } from './installation';

/**
 * The installation state machine (DESIGN.md "States of an installation"), as pure functions:
 * given what is stored and what arrived, the next item, or why nothing changes. The caller writes
 * the result conditioned on the version it read and starts again on a conflict.
 */

export type Outcome =
  | 'installed' // a verified install created or replaced the installation
  | 'application_token_updated' // verified, but our tokens are newer than the event's: only its application_token is kept
  | 'pending' // could not be verified now; kept beside whatever is stored
  | 'uninstalled'
  | 'uninstall_unconfirmed' // application_token matched, but the OAuth server could not confirm it: nothing erased
  | 'duplicate' // seen already: changes nothing
  | 'stale' // older than what is stored: changes nothing
  | 'not_installed'; // an uninstall for a portal we never verified: nothing to do

export type Transition = { outcome: Outcome; next: Installation | undefined };

/** How many unverified installs one portal keeps at most: a flood of forgeries cannot grow the item. */
export const MAX_PENDING_GRANTS = 5;

const TOKEN_FIELDS = ['access_token', 'refresh_token', 'expires_at', 'tokens_issued_at'] as const;

function unchanged(outcome: Outcome): Transition {
  return { outcome, next: undefined };
}

/** Pending grants that `grant` (or an uninstall at `ts`) does not supersede; undefined rather than an empty list. */
function pendingNewerThan(pending: PendingGrant[] | undefined, ts: number, accessToken?: string): PendingGrant[] | undefined {
  const kept = (pending ?? []).filter((candidate) => candidate.ts > ts && candidate.access_token !== accessToken);
  return kept.length > 0 ? kept : undefined;
}

type Loose<T> = { [K in keyof T]?: T[K] | undefined };

/** Drops undefined fields: DynamoDB stores what is present, and an absent attribute means "none". */
function compact<T extends object>(item: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (value !== undefined) out[key] = value;
  return out as T;
}

function grantFields(grant: Grant) {
  return {
    domain: grant.domain,
    client_endpoint: grant.client_endpoint,
    server_endpoint: grant.server_endpoint,
    access_token: grant.access_token,
    refresh_token: grant.refresh_token,
    expires_at: grant.expires_at,
    scope: grant.scope,
    status: grant.status,
    user_id: grant.user_id,
    application_token_sha256: grant.application_token_sha256,
    event_ts: grant.ts,
    tokens_issued_at: grant.tokens_issued_at ?? grant.ts,
  };
}

/**
 * The install page's APPLICATION_TOKEN reaches the browser of every user who opens the app, and
 * app.info vouches only for the access token beside it (BITRIX24.md §3): from the page it only fills
 * a gap, it never replaces the one Bitrix24 sent server to server.
 */
function keptApplicationToken(existing: Installation, grant: Grant): string | undefined {
  if (grant.source === 'INSTALL_PAGE' && existing.state !== 'uninstalled' && existing.application_token_sha256) {
    return existing.application_token_sha256;
  }
  return grant.application_token_sha256 ?? existing.application_token_sha256;
}

/** A verified install, update or install page. */
export function applyVerifiedGrant(existing: Installation | undefined, grant: Grant, nowSeconds: number): Transition {
  if (!hasVerifiedData(existing)) {
    // Unverified data never takes part in ordering: a verified grant replaces pending-only data whatever its ts.
    return {
      outcome: 'installed',
      next: compact<Installation>({
        member_id: grant.member_id,
        state: 'active',
        version: (existing?.version ?? 0) + 1,
        ...grantFields(grant),
        installed_at: nowSeconds,
        updated_at: nowSeconds,
        pending: pendingNewerThan(existing?.pending, grant.ts, grant.access_token),
      }),
    };
  }
  const eventTs = existing.event_ts ?? 0;
  if (grant.ts <= eventTs) {
    // Two-step install: the install page (stored at receipt time) usually beats the ONAPPINSTALL it
    // races with, and may have carried no APPLICATION_TOKEN. The older event still brings the one
    // credential that later proves ONAPPUNINSTALL: keep it, change nothing else.
    if (!existing.application_token_sha256 && grant.application_token_sha256 && existing.state !== 'uninstalled') {
      return {
        outcome: 'application_token_updated',
        next: { ...existing, version: existing.version + 1, application_token_sha256: grant.application_token_sha256, updated_at: nowSeconds },
      };
    }
    return unchanged(grant.ts < eventTs ? 'stale' : 'duplicate');
  }

  const pending = pendingNewerThan(existing.pending, grant.ts, grant.access_token);
  const tokensAreNewer = existing.state === 'active' && (existing.tokens_issued_at ?? 0) > (grant.tokens_issued_at ?? grant.ts);
  if (tokensAreNewer) {
    // We refreshed after these tokens were minted: the event's refresh token is already dead.
    return {
      outcome: 'application_token_updated',
      next: compact<Installation>({
        ...existing,
        version: existing.version + 1,
        application_token_sha256: keptApplicationToken(existing, grant),
        event_ts: grant.ts,
        updated_at: nowSeconds,
        pending,
      }),
    };
  }
  return {
    outcome: 'installed',
    next: compact<Installation>({
      ...existing,
      ...grantFields(grant),
      application_token_sha256: keptApplicationToken(existing, grant),
      state: 'active',
      version: existing.version + 1,
      installed_at: existing.state === 'uninstalled' ? nowSeconds : (existing.installed_at ?? nowSeconds),
      uninstalled_at: undefined,
      updated_at: nowSeconds,
      pending,
    }),
  };
}

/** An install that could not be verified now (OAuth server unavailable): kept beside the installation. */
export function addPendingGrant(existing: Installation | undefined, grant: Grant, nowSeconds: number): Transition {
  if (hasVerifiedData(existing) && grant.ts <= (existing.event_ts ?? 0)) {
    // Even if genuine it would change nothing: the stored installation is newer.
    return unchanged('stale');
  }
  const pending = existing?.pending ?? [];
  if (pending.some((candidate) => candidate.access_token === grant.access_token)) return unchanged('duplicate');
  const candidate = compact<PendingGrant>({ ...grant, received_at: nowSeconds });
  const kept = [...pending, candidate].sort((a, b) => a.received_at - b.received_at).slice(-MAX_PENDING_GRANTS);
  if (existing) {
    return { outcome: 'pending', next: { ...existing, version: existing.version + 1, updated_at: nowSeconds, pending: kept } };
  }
  return {
    outcome: 'pending',
    next: { member_id: grant.member_id, state: 'pending_verification', version: 1, updated_at: nowSeconds, pending: kept },
  };
}

/** An uninstall whose application_token already matched the stored one. */
export function applyUninstall(existing: Installation, ts: number, nowSeconds: number): Transition {
  const eventTs = existing.event_ts ?? 0;
  // Already uninstalled (the vault saw NOT_INSTALLED, or this event came before): only a newer event is recorded.
  if (existing.state === 'uninstalled' && ts <= eventTs) return unchanged('duplicate');
  if (ts < eventTs) return unchanged('stale');
  if (ts === eventTs && existing.state !== 'active') return unchanged('duplicate');
  const next: Installation = {
    ...existing,
    state: 'uninstalled',
    version: existing.version + 1,
    event_ts: ts,
    uninstalled_at: existing.state === 'uninstalled' ? (existing.uninstalled_at ?? nowSeconds) : nowSeconds,
    updated_at: nowSeconds,
  };
  for (const field of TOKEN_FIELDS) delete next[field];
  const pending = pendingNewerThan(existing.pending, ts);
  if (pending) next.pending = pending;
  else delete next.pending;
  return { outcome: 'uninstalled', next };
}
