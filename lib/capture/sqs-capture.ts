import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CapturedItem } from './captured-event';
import { parseCapturedEvent } from './captured-event';

/**
 * Reading the capture queue for `replay` (the only module that imports the SQS SDK; an operator's
 * tool, so the SDK's weight is no cold-start cost). Sending is sqs-send.ts.
 */
export interface SqsCaptureOptions {
  queueUrl: string;
  /** Per-attempt time limit; the SDK tries twice, so a silent peer costs at most twice this. */
  timeoutMs: number;
  region?: string | undefined;
}

function createClient(options: SqsCaptureOptions): SQSClient {
  return new SQSClient({
    // The queue URL names its own endpoint; saying so keeps the SDK from guessing and warning.
    endpoint: new URL(options.queueUrl).origin,
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs, throwOnRequestTimeout: true },
  });
}

export interface ReceivedBatch {
  items: CapturedItem[];
  /** Message ids that are not captured events: left on the queue, its redrive policy moves them to the dead-letter queue. */
  unreadable: string[];
}

export interface CaptureQueueReader {
  /** One batch from the queue; each item's `ack` deletes its message. */
  receive(): Promise<ReceivedBatch>;
}

/**
 * A capture queue (or its dead-letter queue) read by `replay`, batch after batch through one client:
 * a client per batch would redo the SDK's setup and lose its kept-alive connection each time.
 */
export function captureQueueReader(options: SqsCaptureOptions & { maxMessages?: number; waitSeconds?: number }): CaptureQueueReader {
  const waitSeconds = options.waitSeconds ?? 1;
  // A long poll legitimately takes `waitSeconds`: the time limit must outlast it.
  const client = createClient({ ...options, timeoutMs: Math.max(options.timeoutMs, (waitSeconds + 2) * 1000) });
  return {
    async receive() {
      const answer = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: options.maxMessages ?? 10,
          WaitTimeSeconds: waitSeconds,
        }),
      );
      const batch: ReceivedBatch = { items: [], unreadable: [] };
      for (const message of answer.Messages ?? []) {
        const event = message.Body ? parseCapturedEvent(message.Body) : undefined;
        const receiptHandle = message.ReceiptHandle;
        if (!event || !receiptHandle) {
          batch.unreadable.push(message.MessageId ?? '(no id)');
          continue;
        }
        batch.items.push({
          event,
          ack: async () => {
            await client.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle }));
          },
        });
      }
      return batch;
    },
  };
}
