import type { UninstallConfirmation } from './confirm-uninstall';
import { InvalidPayloadError, UnavailableError, VerificationError } from './errors';
import type { Outcome, Transition } from './install-transitions';
import { addPendingGrant, applyUninstall, applyVerifiedGrant } from './install-transitions';
import type { Grant, Installation } from './installation';
import { hasVerifiedData } from './installation';
import type { InstallationsStore } from './installations-store';
import { matchesSha256 } from './secret-hash';
import type { Verification, VerifyDeps } from './verify-grant';
import { carriesStoredApplicationToken, requireAllowedOrigin, verifyWithOAuthServer } from './verify-grant';

/**
 * Applies what arrived to the stored installation: read, verify, decide (pure), write conditioned
 * on the version read; on a conflict (a concurrent delivery won) read again and decide again.
 */
export interface ReceiverDeps extends VerifyDeps {
  store: InstallationsStore;
  nowMs: () => number;
  /** Asks the OAuth server whether an uninstall is real before tokens are erased (confirm-uninstall.ts). */
  confirmUninstall?: (memberId: string) => Promise<UninstallConfirmation>;
}

export interface Receipt {
  memberId: string;
  outcome: Outcome;
  /** 202 while the install waits for verification; 200 otherwise. */
  status: 200 | 202;
  verifiedBy?: 'application_token' | 'oauth_server';
  /** Why an uninstall was or was not confirmed, in safe words. */
  confirmation?: string;
}

/** Concurrent deliveries of one event settle in two rounds; more means something is wrong. */
const MAX_WRITE_ATTEMPTS = 5;

async function settle(
  store: InstallationsStore,
  memberId: string,
  decide: (existing: Installation | undefined) => Promise<Transition & { receipt?: Partial<Receipt> }>,
): Promise<Receipt> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const existing = await store.get(memberId);
    const { outcome, next, receipt } = await decide(existing);
    const result: Receipt = { memberId, outcome, status: outcome === 'pending' ? 202 : 200, ...receipt };
    if (!next) return result;
    if ((await store.save(next, existing?.version)) === 'saved') return result;
  }
  throw new UnavailableError('storage_unavailable', 'The installation kept changing under us; try again');
}

/**
 * Asks the OAuth server about this grant at most once, however often the answer is needed.
 * `proveByRefresh: false` (durable capture, which cannot see what is stored) never rotates the
 * grant's tokens: a proof that replay might then throw away as a duplicate would kill them.
 */
export type VerifyOnce = (options?: { proveByRefresh?: boolean }) => Promise<Verification>;

export function verifyOnce(deps: VerifyDeps, grant: Grant): VerifyOnce {
  let answer: Promise<Verification> | undefined;
  return ({ proveByRefresh = true } = {}) => {
    if (answer) return answer;
    const { refreshProof, ...withoutProof } = deps;
    const using: VerifyDeps = proveByRefresh && refreshProof ? { ...withoutProof, refreshProof } : withoutProof;
    answer = (async () => verifyWithOAuthServer(using, requireAllowedOrigin(grant.server_endpoint, deps.allowedOauthServers), grant))();
    return answer;
  };
}

/** Bitrix24 stamps events with its own clock; a `ts` further ahead than this is not one of its events. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Unverified data never takes part in ordering: a `ts` from the future would make every genuine
 * event after it `stale`, so it is refused before anything is read (400, nothing stored).
 */
function requirePlausibleTs(ts: number, nowMs: number): void {
  if (ts > Math.floor(nowMs / 1000) + MAX_CLOCK_SKEW_SECONDS) {
    throw new InvalidPayloadError(['ts'], 'ts is in the future: it must be the Unix time the event was sent');
  }
}

/**
 * A grant from ONAPPINSTALL, ONAPPUPDATE or the install page. `verify` lets a caller share the
 * OAuth server's answer (the install page asks it while the store is read; durable capture keeps it).
 */
export async function receiveGrant(
  deps: ReceiverDeps,
  grant: Grant,
  applicationToken: string | undefined,
  verify: VerifyOnce = verifyOnce(deps, grant),
): Promise<Receipt> {
  requireAllowedOrigin(grant.server_endpoint, deps.allowedOauthServers);
  requirePlausibleTs(grant.ts, deps.nowMs());
  return settle(deps.store, grant.member_id, async (existing) => {
    const nowSeconds = Math.floor(deps.nowMs() / 1000);
    // An event older than, or the same as, what is stored changes nothing even if genuine: nobody is
    // asked, so no proof by refresh rotates tokens that would then be thrown away. (The install page
    // is always asked: its reply tells the portal the install is finished.)
    const ifGenuine = applyVerifiedGrant(existing, grant, nowSeconds);
    if (!ifGenuine.next && grant.source !== 'INSTALL_PAGE') return ifGenuine;
    const verification: Verification = carriesStoredApplicationToken(grant, applicationToken, existing)
      ? { kind: 'verified', by: 'application_token', grant }
      : // Tokens we already hold are refreshed only by the vault, under its lease.
        await verify({ proveByRefresh: existing?.refresh_token !== grant.refresh_token });
    if (verification.kind === 'unavailable') {
      const transition = addPendingGrant(existing, grant, nowSeconds);
      // Still unverified: a pending duplicate is pending too.
      return { ...transition, receipt: transition.outcome === 'duplicate' ? { status: 202 } : {} };
    }
    return { ...applyVerifiedGrant(existing, verification.grant, nowSeconds), receipt: { verifiedBy: verification.by } };
  });
}

/**
 * ONAPPUNINSTALL: the stored application_token (compared in constant time) lets it in; the OAuth
 * server then confirms it before an active installation's tokens are erased.
 *
 * When the OAuth server cannot say (down, slow, our credentials refused), the installation is
 * kept and the reply is 202 `uninstall_unconfirmed`. Trade-off: erasing on an unverifiable uninstall
 * would let any user of the portal (who can read application_token) disconnect it during an OAuth
 * outage, and a lost installation needs a human to reinstall; keeping costs little, because the
 * tokens of a really uninstalled app stop working and the vault's next refresh of them gets
 * NOT_INSTALLED and marks the installation `uninstalled` by itself.
 */
export async function receiveUninstall(deps: ReceiverDeps, memberId: string, applicationToken: string, ts: number): Promise<Receipt> {
  requirePlausibleTs(ts, deps.nowMs());
  // Asked at most once per request, whatever the write conflicts.
  let confirmation: Promise<UninstallConfirmation> | undefined;
  return settle(deps.store, memberId, async (existing) => {
    if (!hasVerifiedData(existing)) return { outcome: 'not_installed', next: undefined };
    if (!matchesSha256(applicationToken, existing.application_token_sha256)) {
      throw new VerificationError("application_token does not match this portal's installation");
    }
    const transition = applyUninstall(existing, ts, Math.floor(deps.nowMs() / 1000));
    const receipt: Partial<Receipt> = { verifiedBy: 'application_token' };
    if (!transition.next || existing.state !== 'active' || !deps.confirmUninstall) return { ...transition, receipt };

    const confirmed = await (confirmation ??= deps.confirmUninstall(memberId));
    receipt.confirmation = confirmed.reason;
    if (confirmed.check === 'installed') throw new VerificationError('The OAuth server says the app is still installed on this portal; uninstall refused');
    if (confirmed.check === 'unknown') return { outcome: 'uninstall_unconfirmed', next: undefined, receipt: { ...receipt, status: 202 } };
    // Confirmed. Asking may have changed the item (a refresh, or NOT_INSTALLED): then this save conflicts and we decide again on a fresh read.
    return { ...transition, receipt };
  });
}
