import type { Config } from '../config';
import type { CapturedEvent } from './captured-event';
import { createSpoolCapture } from './spool-capture';
import { createSqsCapture } from './sqs-send';

/**
 * Durable capture (DESIGN.md principle 1): where an event goes when the installations table cannot
 * take it, so that replay can store it later. An encrypted SQS queue in AWS, a spool directory locally.
 */
export interface EventCapture {
  /** Where captures go (a directory or a queue URL): for log lines and messages, never a secret. */
  readonly target: string;
  /** Resolves once the event is durably kept; rejects otherwise. */
  put(event: CapturedEvent): Promise<void>;
}

export function createEventCapture(config: Config): EventCapture {
  if (config.CAPTURE_QUEUE_URL) {
    return createSqsCapture({ queueUrl: config.CAPTURE_QUEUE_URL, timeoutMs: config.CAPTURE_TIMEOUT_MS, region: config.AWS_REGION });
  }
  return createSpoolCapture(config.CAPTURE_DIR);
}
