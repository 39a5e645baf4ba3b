import type { CapturedEvent, CapturedItem } from './capture/captured-event';
import { deliveryEvent, deliveryMemberId, deliveryTs, receiveDelivery } from './delivery';
import { isReceiverError } from './errors';
import type { Outcome } from './install-transitions';
import type { ReceiverDeps, VerifyOnce } from './receive-grant';

/**
 * Replay of durably captured events, whatever kept them (the spool directory, an SQS batch, the
 * queue read by `b24-installs replay`). Each goes through the same state machine as a live event,
 * so replaying twice changes nothing the second time. Per portal, events are applied in `ts` order
 * (an uninstall must not overtake the install it undoes); when one cannot be stored now, the
 * portal's later events wait with it.
 */
export type ReplayStatus =
  /** Stored, or found to change nothing (duplicate, stale): removed from the capture. */
  | 'applied'
  /** The OAuth server or the stored application_token refused it: a forgery, removed from the capture. */
  | 'rejected'
  /** Could not be stored now (the table is still unavailable): left in the capture for the next replay. */
  | 'failed'
  /** An earlier event of the same portal failed: left in the capture to keep the portal's order. */
  | 'deferred';

export interface ReplayResult {
  id: string;
  memberId: string;
  event: string;
  ts: number;
  status: ReplayStatus;
  outcome?: Outcome;
  /** Why it was rejected, failed or deferred: an error code and message, never a value. */
  reason?: string;
}

/** A verified capture is not asked again: by now its access token may have expired. */
function verifiedAtCapture(event: CapturedEvent): VerifyOnce | undefined {
  const { delivery, verification } = event;
  if (verification.kind !== 'verified' || delivery.kind !== 'grant') return undefined;
  return () => Promise.resolve({ kind: 'verified', by: 'oauth_server', grant: delivery.grant });
}

function inReplayOrder(a: CapturedItem, b: CapturedItem): number {
  return deliveryTs(a.event.delivery) - deliveryTs(b.event.delivery) || a.event.captured_at - b.event.captured_at;
}

function resultOf(event: CapturedEvent, status: ReplayStatus, extra: Partial<ReplayResult> = {}): ReplayResult {
  const { delivery } = event;
  return { id: event.id, memberId: deliveryMemberId(delivery), event: deliveryEvent(delivery), ts: deliveryTs(delivery), status, ...extra };
}

async function replayPortal(deps: ReceiverDeps, items: CapturedItem[]): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  let blockedBy: string | undefined;
  for (const item of [...items].sort(inReplayOrder)) {
    if (blockedBy) {
      results.push(resultOf(item.event, 'deferred', { reason: `an earlier event of this portal failed (${blockedBy})` }));
      continue;
    }
    try {
      const receipt = await receiveDelivery(deps, item.event.delivery, verifiedAtCapture(item.event));
      await item.ack();
      results.push(resultOf(item.event, 'applied', { outcome: receipt.outcome }));
    } catch (error) {
      if (!isReceiverError(error) || error.code === 'misconfigured' || error.code === 'internal_error') throw error;
      if (error.status >= 500) {
        blockedBy = error.code;
        results.push(resultOf(item.event, 'failed', { reason: `${error.code}: ${error.message}` }));
        continue;
      }
      // A 4xx is final: the event is not genuine, or not for us. Keeping it would only replay it again.
      await item.ack();
      results.push(resultOf(item.event, 'rejected', { reason: `${error.code}: ${error.message}` }));
    }
  }
  return results;
}

/**
 * Applies captured items and acknowledges (removes) each one once settled. A misconfiguration
 * (wrong table, no permission) stops the whole replay: every event is left where it is.
 */
export async function replayCaptured(deps: ReceiverDeps, items: readonly CapturedItem[]): Promise<ReplayResult[]> {
  const byPortal = new Map<string, CapturedItem[]>();
  for (const item of items) {
    const memberId = deliveryMemberId(item.event.delivery);
    byPortal.set(memberId, [...(byPortal.get(memberId) ?? []), item]);
  }
  const results: ReplayResult[] = [];
  for (const portalItems of byPortal.values()) results.push(...(await replayPortal(deps, portalItems)));
  return results;
}
