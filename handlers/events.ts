import { processConfig } from '../lib/config';
import { decodeFormBody } from '../lib/form';
import { httpHandler } from '../lib/http-handler';
import { logger } from '../lib/logger';
import type { ReceiverDeps } from '../lib/receive-grant';
import { receiveLifecycleEvent } from '../lib/receive-event';
import { receiverDeps } from '../lib/receiver-deps';
import { jsonReply } from '../lib/reply';
import { parseLifecycleEvent } from '../lib/schemas';

/** POST /bitrix24/events: ONAPPINSTALL, ONAPPUPDATE, ONAPPUNINSTALL (the install callback URL). */
export function createEventsHandler(getDeps: () => ReceiverDeps) {
  return httpHandler({
    logger,
    method: 'POST',
    route: async (request, log) => {
      const fields = decodeFormBody(request.headers.get('content-type'), request.body);
      const event = parseLifecycleEvent(fields);
      log.event = event.event;
      log.member_id = event.auth.member_id;
      const receipt = await receiveLifecycleEvent(getDeps(), event);
      log.outcome = receipt.outcome;
      if (receipt.verifiedBy) log.verified_by = receipt.verifiedBy;
      if (receipt.confirmation) log.uninstall_confirmation = receipt.confirmation;
      return jsonReply(receipt.status, { ok: true, member_id: receipt.memberId, outcome: receipt.outcome });
    },
  });
}

let deps: ReceiverDeps | undefined;
export const handler = createEventsHandler(() => (deps ??= receiverDeps(processConfig())));
