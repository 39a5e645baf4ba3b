import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { capturedEvent } from '../../lib/capture/captured-event';
import { createSqsCapture, sendMessageRequest } from '../../lib/capture/sqs-send';
import { closedPort } from '../support/peers';
import type { RecordedRequest } from '../support/sdk-request';
import { EXAMPLE_CREDENTIALS, recordingClientOptions, signingScope } from '../support/sdk-request';

/**
 * No SQS is reachable here, so the one call we make by hand is compared with what the official
 * client (@aws-sdk/client-sqs, which replay's reader uses) would send for the same message.
 */
const credentials = EXAMPLE_CREDENTIALS;
const QUEUE = 'https://sqs.eu-central-1.amazonaws.com/123456789012/b24-install-receiver-prod-capture.fifo';

const event = capturedEvent(
  { kind: 'uninstall', member_id: 'a223c6b3710f85df22e9377d6c4f7553', domain: 'x.bitrix24.com', application_token: 'app-token-123456', ts: 1_700_000_000 },
  { kind: 'unverified', reason: 'test' },
  1_700_000_000_000,
);

async function whatTheSdkSends(): Promise<RecordedRequest> {
  const recording = recordingClientOptions('eu-central-1');
  const client = new SQSClient(recording.options);
  const fifo = { MessageGroupId: 'a223c6b3710f85df22e9377d6c4f7553', MessageDeduplicationId: event.id };
  await client.send(new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: JSON.stringify(event), ...fifo })).catch(() => undefined);
  return recording.recorded();
}

test('our signed SendMessage matches the official SQS client: endpoint, target, content type, body, signing scope', async () => {
  const sdk = await whatTheSdkSends();
  const ours = await sendMessageRequest(event, { queueUrl: QUEUE, timeoutMs: 1000, credentials: async () => credentials });
  expect(ours.url).toBe(sdk.url);
  expect(ours.headers['x-amz-target']).toBe(sdk.headers['x-amz-target']);
  expect(ours.headers['content-type']).toBe(sdk.headers['content-type']);
  expect(JSON.parse(ours.body)).toEqual(JSON.parse(sdk.body));
  expect(signingScope(ours.headers.authorization)).toBe('eu-central-1/sqs/aws4_request');
  expect(signingScope(ours.headers.authorization)).toBe(signingScope(sdk.headers.authorization));
});

test('a queue that cannot be reached fails the capture with a message that names the failure, never the event', async () => {
  const queueUrl = `${await closedPort()}/123456789012/capture.fifo`;
  const put = createSqsCapture({ queueUrl, timeoutMs: 500, region: 'eu-central-1', credentials: async () => credentials }).put(event);
  await expect(put).rejects.toThrow(/SQS SendMessage to the capture queue failed \(TypeError\)/);
  await put.catch((error: Error) => expect(error.message).not.toContain('app-token-123456'));
});
