import type { Installation } from './installation';

/**
 * The refresh lease lives on the installation's own item (attributes `lease_owner`,
 * `lease_expires_at_ms`), so DynamoDB's conditional writes are the lock across every process
 * (DESIGN.md principle 3). It has an owner: only the owner releases it, and a crashed owner's
 * lease lapses after its TTL. (STYLE.md lessons 5 and 6.)
 */
export interface RefreshLease {
  owner: string;
  /** Absolute, Unix milliseconds. */
  expiresAtMs: number;
}

/** The last refresh that failed without changing the installation's state: those who waited on it share its outcome. */
export interface RefreshFailure {
  code: string;
  /** Absolute, Unix milliseconds. */
  atMs: number;
}

export interface StoredItem {
  installation: Installation | undefined;
  lease?: RefreshLease;
  lastRefreshFailure?: RefreshFailure;
}

export function leaseIsHeld(lease: RefreshLease | undefined, nowMs: number): lease is RefreshLease {
  return lease !== undefined && lease.expiresAtMs >= nowMs;
}

/** What the keep-alive needs to pick its work, without reading whole items into memory twice. */
export interface KeepAliveCandidate {
  memberId: string;
  /** Active, and its refresh token is older than the keep-alive's cutoff. */
  oldTokens: boolean;
  /** Unverified installs wait beside (or instead of) the installation. */
  hasPending: boolean;
  tokensIssuedAt: number;
}
