import type { Config } from '../lib/config';
import { processConfig } from '../lib/config';
import { decodeFormBody } from '../lib/form';
import { httpHandler } from '../lib/http-handler';
import { logger } from '../lib/logger';
import { deliveryFromLifecycleEvent } from '../lib/receive-event';
import type { CaptureDeps } from '../lib/receive-or-capture';
import { receiveOrCapture } from '../lib/receive-or-capture';
import { captureDeps } from '../lib/capture/capture-deps';
import { receiverDeps } from '../lib/receiver-deps';
import { jsonReply } from '../lib/reply';
import { parseLifecycleEvent } from '../lib/schemas';

/** POST /bitrix24/events: ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL (the install callback URL). */
export function createEventsHandler(getDeps: () => CaptureDeps) {
  return httpHandler({
    logger,
    method: 'POST',
    route: async (request, log) => {
      const fields = decodeFormBody(request.headers.get('content-type'), request.body);
      const event = parseLifecycleEvent(fields);
      log.event = event.event;
      log.member_id = event.auth.member_id;
      const receipt = await receiveOrCapture(getDeps(), deliveryFromLifecycleEvent(event));
      log.outcome = receipt.outcome;
      if ('verifiedBy' in receipt && receipt.verifiedBy) log.verified_by = receipt.verifiedBy;
      if ('confirmation' in receipt && receipt.confirmation) log.uninstall_confirmation = receipt.confirmation;
      if (receipt.outcome === 'captured') log.capture = receipt.verification;
      return jsonReply(receipt.status, { ok: true, member_id: receipt.memberId, outcome: receipt.outcome });
    },
  });
}

/** The deployed wiring: the full receiver (uninstalls confirmed through the vault) with durable capture. */
function eventsDeps(config: Config): CaptureDeps {
  return captureDeps(config, receiverDeps(config));
}

let deps: CaptureDeps | undefined;
export const handler = createEventsHandler(() => (deps ??= eventsDeps(processConfig())));
