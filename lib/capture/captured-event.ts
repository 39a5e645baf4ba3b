import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { Delivery } from '../delivery';

/**
 * An event the table could not take, as durable capture keeps it until replay. It holds tokens:
 * unavoidable, since they exist nowhere else (Bitrix24 never resends). The SQS queue is
 * KMS-encrypted and the spool directory is local and owner-only; neither is ever logged.
 */
export const CaptureVerification = z.discriminatedUnion('kind', [
  /** The OAuth server vouched for it before capture: replay applies it without asking again (its access token may have expired by then). */
  z.object({ kind: z.literal('verified'), by: z.literal('oauth_server') }),
  /** Not proven yet (an uninstall needs the stored application_token; the OAuth server may have been down too): replay verifies it. */
  z.object({ kind: z.literal('unverified'), reason: z.string() }),
]);
export type CaptureVerification = z.infer<typeof CaptureVerification>;

export const CapturedEvent = z.object({
  v: z.literal(1),
  id: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
  /** Milliseconds since the epoch. */
  captured_at: z.number(),
  verification: CaptureVerification,
  delivery: Delivery,
});
export type CapturedEvent = z.infer<typeof CapturedEvent>;

export function capturedEvent(delivery: Delivery, verification: CaptureVerification, nowMs: number): CapturedEvent {
  return { v: 1, id: randomUUID(), captured_at: nowMs, verification, delivery };
}

/** Parses a captured event read back from a file or a message; undefined when it is not one. */
export function parseCapturedEvent(text: string): CapturedEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = z.safeParse(CapturedEvent, json);
  return parsed.success ? parsed.data : undefined;
}

/** A captured event as a replay source hands it over: `ack` removes it from the source once it is settled. */
export interface CapturedItem {
  event: CapturedEvent;
  ack(): Promise<void>;
}
