import type { ClientSecretSource } from './client-secret';
import { UnavailableError, VerificationError } from './errors';
import { applyVerifiedGrant } from './install-transitions';
import { keepRotatedTokens } from './keep-rotated-tokens';
import type { Grant, Installation, PendingGrant } from './installation';
import type { InstallationsStore } from './installations-store';
import { allowedOauthOrigin } from './oauth-servers';
import type { VaultLogger } from './vault-types';
import type { VerifyDeps } from './verify-grant';
import { verifyByRefresh } from './verify-by-refresh';
import { verifyWithOAuthServer } from './verify-grant';

/**
 * Installs that could not be verified when they arrived wait in `pending`. The keep-alive asks the
 * OAuth server again: verified ones are promoted through the same state machine as a live install,
 * refused ones are dropped, the rest wait for the next run. A pending-only item that loses its last
 * candidate is deleted: it held nothing verified, and "not installed" is then the truth.
 */
export interface PendingDeps extends VerifyDeps {
  store: InstallationsStore;
  clientSecret: ClientSecretSource;
  nowMs: () => number;
  log: VaultLogger;
  /** Backoff between retries of a write that holds rotated tokens. */
  sleep: (ms: number) => Promise<void>;
}

export interface PendingReport {
  promoted: number;
  dropped: number;
  kept: number;
  /** The item was deleted: pending-only, and every candidate refused. */
  removed: boolean;
}

/** `byRefresh`: proven by refreshing, so the grant carries rotated tokens that exist nowhere else yet. */
type Check = { kind: 'verified'; grant: Grant; byRefresh: boolean } | { kind: 'refused' } | { kind: 'unavailable' };

/** app.info needs an access token that is still valid; pending installs wait a day, their hour-long tokens usually have not. */
const APP_INFO_MARGIN_MS = 60_000;
const MAX_WRITE_ATTEMPTS = 5;

function asGrant(pending: PendingGrant): Grant {
  const { received_at: _receivedAt, ...grant } = pending;
  return grant;
}

async function check(deps: PendingDeps, pending: PendingGrant, stored: Installation): Promise<Check> {
  // The stored installation already holds these tokens: refreshing them here, outside the vault's lease, would rotate its chain.
  if (pending.refresh_token === stored.refresh_token || pending.access_token === stored.access_token) return { kind: 'refused' };
  const origin = allowedOauthOrigin(pending.server_endpoint, deps.allowedOauthServers);
  if (!origin) return { kind: 'refused' };
  const grant = asGrant(pending);
  if (grant.expires_at * 1000 <= deps.nowMs() + APP_INFO_MARGIN_MS) {
    const proof = await verifyByRefresh(deps, origin, grant);
    return proof.kind === 'verified' ? { ...proof, byRefresh: true } : proof;
  }
  try {
    const verification = await verifyWithOAuthServer(deps, origin, grant);
    if (verification.kind !== 'verified') return { kind: 'unavailable' };
    // app.info may have answered expired_token after all, and the grant been proven by refresh (deps.refreshProof).
    return { kind: 'verified', grant: verification.grant, byRefresh: verification.grant.refresh_token !== grant.refresh_token };
  } catch (error) {
    if (error instanceof VerificationError) return { kind: 'refused' };
    throw error;
  }
}

function withoutCandidate(item: Installation, accessToken: string): Installation {
  const pending = item.pending?.filter((p) => p.access_token !== accessToken);
  const next = { ...item };
  if (pending && pending.length > 0) next.pending = pending;
  else delete next.pending;
  return next;
}

/** One read → decide → write round trip, conflicts read again; `checks` holds each candidate's answer across calls. */
async function settlePending(deps: PendingDeps, memberId: string, checks: Map<string, Promise<Check>>, onRotated: () => void): Promise<PendingReport> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const existing = await deps.store.get(memberId);
    const report: PendingReport = { promoted: 0, dropped: 0, kept: 0, removed: false };
    if (!existing?.pending?.length) return report;
    const nowSeconds = Math.floor(deps.nowMs() / 1000);
    let current: Installation = existing;
    for (const candidate of [...existing.pending].sort((a, b) => a.ts - b.ts)) {
      let result = checks.get(candidate.access_token);
      if (!result) checks.set(candidate.access_token, (result = check(deps, candidate, existing)));
      const outcome = await result;
      if (outcome.kind === 'unavailable') {
        report.kept++;
        continue;
      }
      if (outcome.kind === 'verified') {
        if (outcome.byRefresh) onRotated();
        const transition = applyVerifiedGrant(current, outcome.grant, nowSeconds);
        if (transition.next) current = transition.next;
        if (transition.outcome === 'installed') report.promoted++;
        else report.dropped++;
      } else {
        report.dropped++;
      }
      current = withoutCandidate(current, candidate.access_token);
    }
    if (report.kept === existing.pending.length) return report;
    if (current.state === 'pending_verification' && !current.pending?.length) {
      report.removed = (await deps.store.remove(memberId, existing.version)) === 'saved';
      if (report.removed) return report;
      continue;
    }
    if ((await deps.store.save({ ...current, version: existing.version + 1, updated_at: nowSeconds }, existing.version)) === 'saved') return report;
  }
  throw new UnavailableError('storage_unavailable', 'The installation kept changing while its pending installs were verified; the next run retries');
}

export async function reverifyPending(deps: PendingDeps, memberId: string): Promise<PendingReport> {
  // Each candidate is asked once, however many times the write has to be retried.
  const checks = new Map<string, Promise<Check>>();
  // Once a candidate is proven by refresh, its old tokens are dead and its new ones are only here:
  // from then on the write is kept at like the vault's (a failure the next run cannot repair).
  let rotated = false;
  return keepRotatedTokens(
    deps,
    memberId,
    () => settlePending(deps, memberId, checks, () => (rotated = true)),
    () => rotated,
  );
}
