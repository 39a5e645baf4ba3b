import type { Config } from '../config';
import type { CaptureDeps } from '../receive-or-capture';
import type { ReceiverDeps } from '../receive-grant';
import { createEventCapture } from './event-capture';

/** The receiver with durable capture: for the routes that take events (the replay function needs none, and so bundles no SQS client). */
export function captureDeps(config: Config, receiver: ReceiverDeps): CaptureDeps {
  return { ...receiver, capture: createEventCapture(config) };
}
