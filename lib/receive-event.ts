import type { Delivery } from './delivery';
import type { Grant } from './installation';
import type { AppInstallEvent, AppUpdateEvent, LifecycleEvent } from './schemas';
import { sha256Hex } from './secret-hash';
import { expiresAtFrom } from './token-expiry';

/** ONAPPINSTALL / ONAPPUPDATE as a grant. `expires` is absolute; `expires_in` a lifetime counted from `ts`, when the tokens were minted. */
export function grantFromInstallEvent(event: AppInstallEvent | AppUpdateEvent): Grant {
  const { auth } = event;
  const grant: Grant = {
    source: event.event,
    member_id: auth.member_id,
    ts: event.ts,
    domain: auth.domain,
    client_endpoint: auth.client_endpoint,
    server_endpoint: auth.server_endpoint,
    access_token: auth.access_token,
    refresh_token: auth.refresh_token,
    expires_at: expiresAtFrom(auth, event.ts),
    scope: auth.scope,
    application_token_sha256: sha256Hex(auth.application_token),
  };
  if (auth.status !== undefined) grant.status = auth.status;
  if (auth.user_id !== undefined) grant.user_id = auth.user_id;
  return grant;
}

/** A validated lifecycle event as a delivery for the state machine. */
export function deliveryFromLifecycleEvent(event: LifecycleEvent): Delivery {
  if (event.event === 'ONAPPUNINSTALL') {
    return { kind: 'uninstall', member_id: event.auth.member_id, domain: event.auth.domain, application_token: event.auth.application_token, ts: event.ts };
  }
  return { kind: 'grant', grant: grantFromInstallEvent(event), application_token: event.auth.application_token };
}
