import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * The event Lambda hands the replay function for a batch from the capture queue (FIFO: the message
 * group is the portal), built from a spool directory's files: the same bodies the SQS capture sends.
 */
export function sqsRecord(body: string): SQSRecord {
  const parsed = JSON.parse(body) as { delivery: { kind: string; grant?: { member_id: string }; member_id?: string } };
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AROAEXAMPLE:events',
      ApproximateFirstReceiveTimestamp: now,
      MessageGroupId: parsed.delivery.grant?.member_id ?? parsed.delivery.member_id ?? 'unknown',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:b24-capture.fifo',
    awsRegion: 'us-east-1',
  };
}

export function sqsEventFromSpool(dir: string): SQSEvent {
  const files = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  return { Records: files.map((name) => sqsRecord(readFileSync(join(dir, name), 'utf8'))) };
}
