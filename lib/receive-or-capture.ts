import type { CaptureVerification } from './capture/captured-event';
import { capturedEvent } from './capture/captured-event';
import type { EventCapture } from './capture/event-capture';
import type { Delivery } from './delivery';
import { deliveryEvent, deliveryMemberId, receiveDelivery } from './delivery';
import { isReceiverError, StorageMisconfiguredError, UnavailableError } from './errors';
import { logger } from './logger';
import type { Receipt, ReceiverDeps, VerifyOnce } from './receive-grant';
import { verifyOnce } from './receive-grant';

/**
 * Stores what arrived or, when the installations table cannot take it after its retries, keeps it
 * in durable capture and answers 202 (DESIGN.md principle 1: Bitrix24 never resends). Only when
 * the capture fails too is the answer 503, with a log line that says the event was not kept.
 */
export interface CaptureDeps extends ReceiverDeps {
  capture: EventCapture;
}

export interface CapturedReceipt {
  memberId: string;
  outcome: 'captured';
  status: 202;
  verification: CaptureVerification['kind'];
}

export type DeliveryReceipt = Receipt | CapturedReceipt;

/** The table cannot take the event: down, or (an operator mistake) missing or forbidden. Either way the event is kept. */
function isStorageOutage(error: unknown): boolean {
  return (isReceiverError(error) && error.code === 'storage_unavailable') || error instanceof StorageMisconfiguredError;
}

function errorName(error: unknown): string {
  return error instanceof Error ? (error.cause instanceof Error ? `${error.name}/${error.cause.name}` : error.name) : 'UnknownError';
}

/**
 * Verifies before capturing whenever the OAuth server can answer: a refusal is a forgery (403, nothing
 * kept), and a verified capture can be replayed after its access token has expired.
 */
async function captureVerification(delivery: Delivery, verify: VerifyOnce | undefined): Promise<CaptureVerification> {
  if (!verify) return { kind: 'unverified', reason: 'an uninstall is proven by the stored application_token' };
  const verification = await verify({ proveByRefresh: false });
  if (verification.kind === 'unavailable') return { kind: 'unverified', reason: `OAuth server unavailable (${verification.reason})` };
  if (delivery.kind === 'grant') delivery.grant = verification.grant;
  return { kind: 'verified', by: 'oauth_server' };
}

export async function receiveOrCapture(deps: CaptureDeps, received: Delivery): Promise<DeliveryReceipt> {
  const delivery: Delivery = structuredClone(received);
  const verify = delivery.kind === 'grant' ? verifyOnce(deps, delivery.grant) : undefined;
  if (verify && delivery.kind === 'grant' && delivery.grant.source === 'INSTALL_PAGE') {
    // The page is always proven by the OAuth server: ask it while the store is read. A refusal is
    // reported where the answer is awaited; this catch only keeps an unawaited one from crashing.
    verify().catch(() => undefined);
  }
  try {
    return await receiveDelivery(deps, delivery, verify);
  } catch (storageError) {
    if (!isStorageOutage(storageError)) throw storageError;
    const verification = await captureVerification(delivery, verify);
    const memberId = deliveryMemberId(delivery);
    try {
      await deps.capture.put(capturedEvent(delivery, verification, deps.nowMs()));
    } catch (captureError) {
      logger.error('DURABLE CAPTURE FAILED: the installations table and the capture fallback are both unavailable; this event was NOT kept', {
        member_id: memberId,
        event: deliveryEvent(delivery),
        capture_target: deps.capture.target,
        storage_error: errorName(storageError),
        capture_error: errorName(captureError),
      });
      throw new UnavailableError('storage_unavailable', 'The installations table and the durable capture are both unavailable; nothing was kept', {
        cause: captureError,
      });
    }
    if (storageError instanceof StorageMisconfiguredError) {
      // Kept, but someone must fix the deployment before replaying: say so at error level.
      logger.error(`Installations table misconfigured (${storageError.message}); the event was captured for replay`, {
        member_id: memberId,
        event: deliveryEvent(delivery),
      });
    }
    return { memberId, outcome: 'captured', status: 202, verification: verification.kind };
  }
}
