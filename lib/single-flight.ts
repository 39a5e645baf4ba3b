import type { ErrorCode } from './errors';
import { isReceiverError, MisconfiguredError, PaymentRequiredError, ReceiverError, UnavailableError } from './errors';
import type { RefreshFailure, StoredItem } from './refresh-lease';
import { leaseIsHeld } from './refresh-lease';
import { refreshOnce } from './refresh-once';
import type { TokenSource, UsableInstallation, VaultDeps } from './vault-types';
import { requireUsable } from './vault-types';

/**
 * One refresh at a time per portal, across every process (DESIGN.md principle 3). Whoever needs a
 * refresh takes the lease on the item; everyone else waits briefly and re-reads. The lease has an
 * owner, is re-read after acquiring (the acquiring write returns the item), released only by its
 * owner, and lapses after REFRESH_LEASE_TTL_MS when its owner crashed.
 */
export type NeedsRefresh = (installation: UsableInstallation, nowMs: number) => boolean;

export interface Obtained {
  installation: UsableInstallation;
  source: TokenSource;
}

/** Re-read interval while another process holds the lease; jittered so waiters spread out. */
const LEASE_POLL_MS = 40;
/** Beyond a full lease and one OAuth call, a waiter gives up with a retryable error. */
const WAIT_SLACK_MS = 1_000;

/** Failures that leave the state as it is: those who waited on the refresh that failed get the same answer. */
const SHARED_FAILURES: readonly ErrorCode[] = ['oauth_unavailable', 'payment_required', 'misconfigured'];

function sharedFailureError(failure: RefreshFailure): ReceiverError {
  if (failure.code === 'payment_required') return new PaymentRequiredError();
  if (failure.code === 'misconfigured') return new MisconfiguredError('The OAuth server refused our client credentials on a concurrent refresh; see the error log');
  return new UnavailableError('oauth_unavailable', 'A concurrent refresh of this portal\'s token failed just now; try again');
}

export async function obtainToken(deps: VaultDeps, memberId: string, needsRefresh: NeedsRefresh): Promise<Obtained> {
  const deadlineMs = deps.nowMs() + deps.leaseTtlMs + deps.oauthTimeoutMs + WAIT_SLACK_MS;
  let waitingSinceMs: number | undefined;
  for (;;) {
    const item = await deps.store.read(memberId);
    const installation = requireUsable(item.installation);
    const nowMs = deps.nowMs();
    if (!needsRefresh(installation, nowMs)) return { installation, source: waitingSinceMs === undefined ? 'stored' : 'refreshed_elsewhere' };

    const held = leaseIsHeld(item.lease, nowMs);
    const failure = item.lastRefreshFailure;
    if (!held && waitingSinceMs !== undefined && failure && failure.atMs >= waitingSinceMs) throw sharedFailureError(failure);
    if (nowMs >= deadlineMs) {
      throw new UnavailableError('oauth_unavailable', "Another process has been refreshing this portal's token for too long; try again");
    }
    if (held) {
      waitingSinceMs ??= nowMs;
      const untilLapseMs = item.lease!.expiresAtMs - nowMs + 1;
      await deps.sleep(Math.min(untilLapseMs, LEASE_POLL_MS / 2 + Math.random() * LEASE_POLL_MS));
      continue;
    }

    const owner = deps.newOwnerId();
    const lease = await deps.store.acquireLease(memberId, owner, nowMs, deps.leaseTtlMs);
    if (!lease.acquired) {
      // Someone took it between our read and our write: contention, not failure.
      waitingSinceMs ??= nowMs;
      continue;
    }
    const outcome = await refreshAsOwner(deps, memberId, owner, lease.item, needsRefresh);
    if (outcome.kind === 'token') return { installation: outcome.installation, source: outcome.source };
    // 'again': the item moved on while we held the lease; read it again and decide again.
  }
}

async function refreshAsOwner(
  deps: VaultDeps,
  memberId: string,
  owner: string,
  acquired: StoredItem,
  needsRefresh: NeedsRefresh,
): Promise<(Obtained & { kind: 'token' }) | { kind: 'again' }> {
  let failure: RefreshFailure | undefined;
  try {
    // The re-read after acquiring: someone may have refreshed between our read and our lease.
    const installation = requireUsable(acquired.installation);
    if (!needsRefresh(installation, deps.nowMs())) return { kind: 'token', installation, source: 'refreshed_elsewhere' };
    const tookOverLapsedLease = acquired.lease !== undefined;
    const outcome = await refreshOnce(deps, installation, tookOverLapsedLease);
    return outcome.kind === 'token' ? { ...outcome, source: 'refreshed' } : outcome;
  } catch (error) {
    if (isReceiverError(error) && SHARED_FAILURES.includes(error.code)) failure = { code: error.code, atMs: deps.nowMs() };
    throw error;
  } finally {
    await release(deps, memberId, owner, failure);
  }
}

async function release(deps: VaultDeps, memberId: string, owner: string, failure: RefreshFailure | undefined): Promise<void> {
  try {
    const released = await deps.store.releaseLease(memberId, owner, failure);
    // Our lease lapsed and someone else holds it now: theirs is left alone.
    if (released === 'not_owner') deps.log.warn('refresh lease had lapsed before it was released', { member_id: memberId });
  } catch (error) {
    // It lapses by itself within REFRESH_LEASE_TTL_MS; the refresh's own outcome matters more.
    deps.log.warn('refresh lease could not be released; it will lapse', { member_id: memberId, error: error instanceof Error ? error.name : 'Error' });
  }
}
