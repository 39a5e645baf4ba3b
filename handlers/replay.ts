import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CapturedItem } from '../lib/capture/captured-event';
import { parseCapturedEvent } from '../lib/capture/captured-event';
import { processConfig } from '../lib/config';
import { logger } from '../lib/logger';
import type { ReceiverDeps } from '../lib/receive-grant';
import { receiverDeps } from '../lib/receiver-deps';
import type { ReplayResult } from '../lib/replay';
import { replayCaptured } from '../lib/replay';

/**
 * The capture queue's consumer: replays each batch through the state machine. Messages that could
 * not be stored now are reported back (ReportBatchItemFailures) and return after the visibility
 * timeout; after the queue's maxReceiveCount they move to the dead-letter queue. Lambda deletes
 * every message not reported, so `ack` has nothing to do.
 */
export function createReplayHandler(getDeps: () => ReceiverDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const started = performance.now();
    const failures = new Set<string>();
    const messagesOf = new Map<string, string[]>();
    const items: CapturedItem[] = [];
    for (const record of event.Records) {
      const captured = parseCapturedEvent(record.body);
      if (!captured) {
        logger.error('replay: message is not a captured event; left for the dead-letter queue', { message_id: record.messageId });
        failures.add(record.messageId);
        continue;
      }
      messagesOf.set(captured.id, [...(messagesOf.get(captured.id) ?? []), record.messageId]);
      items.push({ event: captured, ack: () => Promise.resolve() });
    }
    let results: ReplayResult[];
    try {
      results = await replayCaptured(getDeps(), items);
    } catch (error) {
      // A misconfiguration: the whole batch returns to the queue untouched.
      logger.error('replay: batch not applied, every message returns to the queue', { error: error as Error });
      throw error;
    }
    for (const result of results) {
      const line = { member_id: result.memberId, event: result.event, status: result.status, outcome: result.outcome, reason: result.reason };
      if (result.status === 'failed' || result.status === 'deferred') {
        for (const id of messagesOf.get(result.id) ?? []) failures.add(id);
        logger.warn('replay', line);
      } else {
        logger.info('replay', line);
      }
    }
    logger.info('replay batch', {
      records: event.Records.length,
      returned_to_queue: failures.size,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

let deps: ReceiverDeps | undefined;
export const handler = createReplayHandler(() => (deps ??= receiverDeps(processConfig())));
