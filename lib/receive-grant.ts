import type { UninstallConfirmation } from './confirm-uninstall';
import { UnavailableError, VerificationError } from './errors';
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

/** Asks the OAuth server about this grant at most once, however often the answer is needed. */
export type VerifyOnce = () => Promise<Verification>;

export function verifyOnce(deps: VerifyDeps, grant: Grant): VerifyOnce {
  let answer: Promise<Verification> | undefined;
  return () => (answer ??= (async () => verifyWithOAuthServer(deps, requireAllowedOrigin(grant.server_endpoint, deps.allowedOauthServers), grant))());
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
  return settle(deps.store, grant.member_id, async (existing) => {
    const nowSeconds = Math.floor(deps.nowMs() / 1000);
    const verification: Verification = carriesStoredApplicationToken(grant, applicationToken, existing)
      ? { kind: 'verified', by: 'application_token', grant }
      : await verify();
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
