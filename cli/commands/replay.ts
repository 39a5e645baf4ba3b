import { resolve } from 'node:path';
import { receiverDeps } from '../../lib/receiver-deps';
import type { ReplayReport } from '../../lib/replay-sources';
import { replayComplete, replayQueue, replaySpool } from '../../lib/replay-sources';
import type { Command } from '../command';

function summary(report: ReplayReport): string {
  const count = (status: string) => report.results.filter((r) => r.status === status).length;
  return [
    `replayed ${report.source}: ${count('applied')} applied, ${count('rejected')} rejected, ${count('failed')} failed, ${count('deferred')} deferred` +
      (report.unreadable.length ? `, ${report.unreadable.length} unreadable` : ''),
    ...report.results.map(
      (r) => `  ${r.status.padEnd(9)}${r.event.padEnd(15)}${r.memberId}  ts=${r.ts}${r.outcome ? `  ${r.outcome}` : ''}${r.reason ? `  (${r.reason})` : ''}`,
    ),
    ...report.unreadable.map((name) => `  unreadable ${name} (left in place)`),
  ].join('\n');
}

/**
 * Applies events that durable capture kept while the table was unavailable, through the same state
 * machine as live ones. Safe to run again: a replayed event changes nothing the second time.
 * Exit code 1 while anything is left captured (failed, deferred or unreadable).
 */
export const replay: Command = {
  name: 'replay',
  args: [],
  summary: 'apply durably captured events (--dir spool, or --queue-url; default: CAPTURE_QUEUE_URL, else CAPTURE_DIR)',
  async run(_args, context) {
    const config = context.config();
    const deps = receiverDeps(config);
    const { dir, queueUrl: flagQueue } = context.flags;
    const queueUrl = flagQueue ?? (dir ? undefined : config.CAPTURE_QUEUE_URL);
    const report = queueUrl
      ? await replayQueue(deps, { queueUrl, timeoutMs: config.CAPTURE_TIMEOUT_MS, region: config.AWS_REGION })
      : await replaySpool(deps, resolve(dir ?? config.CAPTURE_DIR));
    context.out(context.flags.json ? JSON.stringify(report, null, 2) : summary(report));
    if (!replayComplete(report)) context.exitCode = 1;
  },
};
