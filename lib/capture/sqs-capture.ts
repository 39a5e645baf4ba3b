import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CapturedItem } from './captured-event';
import { deliveryMemberId } from '../delivery';
import { parseCapturedEvent } from './captured-event';
import type { EventCapture } from './event-capture';

/**
 * Durable capture in AWS: the encrypted SQS queue (the only module that imports the SQS SDK).
 * A FIFO queue (URL ending in `.fifo`) keeps each portal's events in order: the message group is
 * the portal's member_id and the capture id deduplicates a retried send.
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

function isFifo(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}

export function createSqsCapture(options: SqsCaptureOptions): EventCapture {
  let client: SQSClient | undefined;
  return {
    target: options.queueUrl,
    async put(event) {
      // Built on first use: in the common case (the table answers) a function never pays for it.
      client ??= createClient(options);
      await client.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: JSON.stringify(event),
          ...(isFifo(options.queueUrl) ? { MessageGroupId: deliveryMemberId(event.delivery), MessageDeduplicationId: event.id } : {}),
        }),
      );
    },
  };
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
