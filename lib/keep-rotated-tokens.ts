import { isReceiverError } from './errors';
import type { VaultLogger } from './vault-types';

/**
 * A refresh rotates the portal's tokens: until they are stored, the new ones exist only in this
 * process and the old ones are dead (BITRIX24.md §4). Their write is therefore retried through
 * storage hiccups, with backoff, for about 3 s; giving up is logged at error level (the alarm).
 */
export interface KeepRotatedDeps {
  sleep: (ms: number) => Promise<void>;
  log: Pick<VaultLogger, 'error'>;
}

const MAX_ATTEMPTS = 6;
const BACKOFF_MS = 100;

/**
 * Runs `write` until it returns, retrying `storage_unavailable` (a DynamoDB error, or a write that
 * kept conflicting). `write` gets `retry: true` after a failure: a write that timed out may have
 * landed, so it reads before deciding again. `holdsRotated` says whether rotated tokens are at
 * stake yet; while they are not, a failure is the caller's as usual.
 */
export async function keepRotatedTokens<T>(
  deps: KeepRotatedDeps,
  memberId: string,
  write: (retry: boolean) => Promise<T>,
  holdsRotated: () => boolean = () => true,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(attempt > 1);
    } catch (error) {
      if (!holdsRotated()) throw error;
      const retryable = isReceiverError(error) && error.code === 'storage_unavailable';
      if (!retryable || attempt >= MAX_ATTEMPTS) {
        deps.log.error('refreshed tokens could not be stored; the portal may need a reinstall', { member_id: memberId, attempts: attempt });
        throw error;
      }
      await deps.sleep(Math.min(1_000, BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}
