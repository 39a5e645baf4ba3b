import * as z from 'zod/mini';
import { Grant } from './installation';
import type { Receipt, ReceiverDeps, VerifyOnce } from './receive-grant';
import { receiveGrant, receiveUninstall } from './receive-grant';

/**
 * What one request brought, once decoded, whatever the route: tokens to keep (ONAPPINSTALL,
 * ONAPPUPDATE, the install page) or an uninstall. The same shape is what durable capture keeps and
 * replay applies, so a captured event goes through exactly the code a live one does.
 */
export const Delivery = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('grant'),
    grant: Grant,
    /** The raw application_token: a later event proves itself with it against the stored digest. */
    application_token: z.optional(z.string()),
  }),
  z.object({
    kind: z.literal('uninstall'),
    member_id: z.string(),
    domain: z.string(),
    application_token: z.string(),
    ts: z.number(),
  }),
]);
export type Delivery = z.infer<typeof Delivery>;

export function deliveryMemberId(delivery: Delivery): string {
  return delivery.kind === 'grant' ? delivery.grant.member_id : delivery.member_id;
}

export function deliveryTs(delivery: Delivery): number {
  return delivery.kind === 'grant' ? delivery.grant.ts : delivery.ts;
}

/** Names the delivery for logs: the event, or the install page. */
export function deliveryEvent(delivery: Delivery): string {
  return delivery.kind === 'grant' ? delivery.grant.source : 'ONAPPUNINSTALL';
}

/** Applies a delivery through the state machine (read, verify, decide, write). */
export function receiveDelivery(deps: ReceiverDeps, delivery: Delivery, verify?: VerifyOnce): Promise<Receipt> {
  if (delivery.kind === 'uninstall') return receiveUninstall(deps, delivery.member_id, delivery.application_token, delivery.ts);
  return receiveGrant(deps, delivery.grant, delivery.application_token, verify);
}
