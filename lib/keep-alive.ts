import { isReceiverError } from './errors';
import type { InstallationsStore } from './installations-store';
import type { KeepAliveCandidate } from './refresh-lease';
import type { PendingReport } from './reverify-pending';
import type { TokenVault } from './token-vault';

/**
 * The daily keep-alive. Bitrix24 warns that apps refreshing on a fixed timer may be blocked
 * (BITRIX24.md §4), so it refreshes only refresh tokens that have gone unused for
 * KEEPALIVE_AFTER_DAYS of their 180, and re-verifies installs that are still pending. Work per run
 * is bounded (count and time); what is left waits for the next run, and the counts are logged.
 */
/**
 * How long one item may take, at every time limit, until a refreshed token is written: read (a
 * crashed refresher holds the lease), the lease lapses, read, take the lease, read the secret,
 * refresh, write; a DynamoDB call is two attempts. Cut off before that write, the portal's rotated
 * refresh token would exist nowhere: so the keep-alive starts no item closer than this to its timeout.
 */
export function itemTimeBoundMs(limits: { REFRESH_LEASE_TTL_MS: number; OAUTH_TIMEOUT_MS: number; DYNAMODB_TIMEOUT_MS: number }): number {
  const dynamoCallMs = 2 * limits.DYNAMODB_TIMEOUT_MS;
  return 4 * dynamoCallMs + limits.REFRESH_LEASE_TTL_MS + 2 * limits.OAUTH_TIMEOUT_MS;
}

/** Slack on top of the bound, for the log line and the scheduler's own overhead. */
export const KEEPALIVE_SLACK_MS = 2_000;

export interface KeepAliveDeps {
  store: InstallationsStore;
  vault: TokenVault;
  reverifyPending: (memberId: string) => Promise<PendingReport>;
  nowMs: () => number;
}

export interface KeepAliveOptions {
  afterDays: number;
  maxItemsPerRun: number;
  /** Absolute, Unix milliseconds: no new item is started after this. */
  deadlineMs: number;
}

export interface KeepAliveReport {
  candidates: number;
  refreshed: number;
  /** Someone refreshed it since the scan: nothing to do. */
  already_fresh: number;
  refresh_failed: number;
  pending_items: number;
  pending_promoted: number;
  pending_dropped: number;
  pending_kept: number;
  pending_removed: number;
  /** Error codes of failed items, counted. */
  failures: Record<string, number>;
  /** Left for the next run (budget or time). */
  deferred: number;
}

const DAY_SECONDS = 24 * 3600;

/** Unverified installs first (the portal does not work until they are), then the oldest tokens. */
function byUrgency(a: KeepAliveCandidate, b: KeepAliveCandidate): number {
  if (a.hasPending !== b.hasPending) return a.hasPending ? -1 : 1;
  return a.tokensIssuedAt - b.tokensIssuedAt;
}

function emptyReport(): KeepAliveReport {
  return {
    candidates: 0,
    refreshed: 0,
    already_fresh: 0,
    refresh_failed: 0,
    pending_items: 0,
    pending_promoted: 0,
    pending_dropped: 0,
    pending_kept: 0,
    pending_removed: 0,
    failures: {},
    deferred: 0,
  };
}

function countFailure(report: KeepAliveReport, error: unknown): void {
  const code = isReceiverError(error) ? error.code : 'internal_error';
  report.failures[code] = (report.failures[code] ?? 0) + 1;
}

export async function runKeepAlive(deps: KeepAliveDeps, options: KeepAliveOptions): Promise<KeepAliveReport> {
  const cutoffSeconds = Math.floor(deps.nowMs() / 1000) - options.afterDays * DAY_SECONDS;
  const candidates = (await deps.store.keepAliveCandidates(cutoffSeconds)).sort(byUrgency);
  const report = emptyReport();
  report.candidates = candidates.length;
  for (const [index, candidate] of candidates.entries()) {
    if (index >= options.maxItemsPerRun || deps.nowMs() >= options.deadlineMs) {
      report.deferred = candidates.length - index;
      break;
    }
    if (candidate.hasPending) {
      report.pending_items++;
      try {
        const pending = await deps.reverifyPending(candidate.memberId);
        report.pending_promoted += pending.promoted;
        report.pending_dropped += pending.dropped;
        report.pending_kept += pending.kept;
        if (pending.removed) report.pending_removed++;
      } catch (error) {
        countFailure(report, error);
      }
    }
    if (candidate.oldTokens) {
      try {
        const { source } = await deps.vault.refreshAccessToken(candidate.memberId, { ifIssuedBefore: cutoffSeconds });
        if (source === 'refreshed') report.refreshed++;
        else report.already_fresh++;
      } catch (error) {
        report.refresh_failed++;
        countFailure(report, error);
      }
    }
  }
  return report;
}
