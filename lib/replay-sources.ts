import { readSpool } from './capture/spool-capture';
import { captureQueueReader } from './capture/sqs-capture';
import type { ReceiverDeps } from './receive-grant';
import type { ReplayResult } from './replay';
import { replayCaptured } from './replay';

/** What `replay` did with one source: every event's result, and what it could not even read. */
export interface ReplayReport {
  source: string;
  results: ReplayResult[];
  /** Spool files or queue messages that are not captured events, left where they are. */
  unreadable: string[];
}

/** Replays every event in a spool directory; settled events' files are deleted. */
export async function replaySpool(deps: ReceiverDeps, dir: string): Promise<ReplayReport> {
  const spool = await readSpool(dir);
  return { source: dir, results: await replayCaptured(deps, spool.items), unreadable: spool.unreadable };
}

/**
 * Drains a capture queue (or its dead-letter queue) batch by batch; settled messages are deleted.
 * Stops at an empty batch, or at a batch where nothing could be settled (the table is still down):
 * those messages come back after the visibility timeout, for the next replay.
 */
export async function replayQueue(
  deps: ReceiverDeps,
  options: { queueUrl: string; timeoutMs: number; region?: string | undefined; maxBatches?: number },
): Promise<ReplayReport> {
  const report: ReplayReport = { source: options.queueUrl, results: [], unreadable: [] };
  const queue = captureQueueReader(options);
  for (let batch = 0; batch < (options.maxBatches ?? 1_000); batch++) {
    const received = await queue.receive();
    report.unreadable.push(...received.unreadable);
    if (received.items.length === 0) break;
    const results = await replayCaptured(deps, received.items);
    report.results.push(...results);
    if (!results.some((r) => r.status === 'applied' || r.status === 'rejected')) break;
  }
  return report;
}

/** True when everything was settled: nothing failed, waits, or could not be read. */
export function replayComplete(report: ReplayReport): boolean {
  return report.unreadable.length === 0 && report.results.every((r) => r.status === 'applied' || r.status === 'rejected');
}
