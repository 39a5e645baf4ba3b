import type { CredentialsProvider, SignedRequest } from '../aws-json-call';
import { awsErrorType, sendAwsJson, signAwsJsonRequest } from '../aws-json-call';
import { deliveryMemberId } from '../delivery';
import type { CapturedEvent } from './captured-event';
import type { EventCapture } from './event-capture';

/**
 * Durable capture in AWS: SendMessage to the encrypted SQS queue, one signed JSON call
 * (lib/aws-json-call.ts) rather than @aws-sdk/client-sqs in every function that takes events;
 * the wire format is pinned against the official client (tests/unit/sqs-send.test.ts). Replay's
 * reader, an operator's tool, keeps the SDK (sqs-capture.ts).
 * A FIFO queue (URL ending in `.fifo`) keeps each portal's events in order: the message group is
 * the portal's member_id and the capture id deduplicates a retried send.
 */
export interface SqsSendOptions {
  queueUrl: string;
  /** Per-attempt time limit; two attempts, so a silent peer costs at most twice this. */
  timeoutMs: number;
  region?: string | undefined;
  credentials?: CredentialsProvider;
}

const ATTEMPTS = 2;

/** `https://sqs.eu-central-1.amazonaws.com/123/q.fifo` names its region; AWS_REGION wins when set. */
function regionOf(options: SqsSendOptions): string {
  if (options.region) return options.region;
  const [service, region] = new URL(options.queueUrl).hostname.split('.');
  if (service === 'sqs' && region) return region;
  throw new Error('AWS_REGION is not set and the capture queue URL names no region');
}

export function sendMessageRequest(event: CapturedEvent, options: SqsSendOptions): Promise<SignedRequest> {
  const fifo = options.queueUrl.endsWith('.fifo');
  return signAwsJsonRequest({
    service: 'sqs',
    region: regionOf(options),
    endpoint: new URL(options.queueUrl).origin,
    target: 'AmazonSQS.SendMessage',
    jsonVersion: '1.0',
    body: {
      QueueUrl: options.queueUrl,
      MessageBody: JSON.stringify(event),
      ...(fifo ? { MessageGroupId: deliveryMemberId(event.delivery), MessageDeduplicationId: event.id } : {}),
    },
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

export function createSqsCapture(options: SqsSendOptions): EventCapture {
  return {
    target: options.queueUrl,
    async put(event) {
      let failure = 'no attempt';
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        // Signed per attempt: a signature is bound to its moment.
        const request = await sendMessageRequest(event, options);
        try {
          const { status, text } = await sendAwsJson(request, options.timeoutMs);
          if (status === 200) return;
          failure = `${awsErrorType(text) || 'HTTP'} ${status}`;
          if (status < 500 && status !== 429) break; // refused (permissions, key, queue): another try says the same
        } catch (error) {
          // fetch failures are TypeErrors (from Node's own realm: read the name, not instanceof)
          failure = typeof (error as { name?: unknown })?.name === 'string' ? (error as { name: string }).name : 'Error';
        }
      }
      // The message names the failure, never the event (it holds tokens).
      throw new Error(`SQS SendMessage to the capture queue failed (${failure})`);
    },
  };
}
