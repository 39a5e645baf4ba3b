import { randomBytes } from 'node:crypto';
import { createEventsHandler } from '../../handlers/events';
import { captureDeps } from '../../lib/capture/capture-deps';
import { receiverDeps } from '../../lib/receiver-deps';
import { loadConfig } from '../../lib/config';
import { httpApiEvent } from '../../local/http-api-event';
import { phpFormBody } from '../../local/oauth-emulator';
import { rememberSecrets } from '../support/secrets';
import { useTestStack } from '../support/stack';

/**
 * Bitrix24 queues events (BITRIX24.md §5): an ONAPPINSTALL may arrive after its one-hour access
 * token expired. It is still the only copy of the portal's tokens, so "expired" is no refusal.
 */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';

function lateInstall() {
  const { emulator } = stack();
  const portal = emulator.installPortal();
  const event = emulator.installEvent(portal, { ts: Math.floor(Date.now() / 1000) - 2 * 3600 });
  emulator.expireAccessTokenIn(portal.memberId, -3600); // app.info now answers expired_token
  return { portal, event };
}

test('is proven by refreshing its tokens, and the refreshed tokens are stored', async () => {
  const { emulator, store } = stack();
  const { portal, event } = lateInstall();
  const spentRefreshToken = portal.refreshToken;
  const response = await stack().postForm(EVENTS, event);
  expect(response.status).toBe(200);
  expect(response.json.outcome).toBe('installed');
  expect(emulator.refreshCount(portal.memberId)).toBe(1);
  const item = await store.get(portal.memberId);
  const current = emulator.portals.get(portal.memberId)!;
  expect(item).toMatchObject({ state: 'active', access_token: current.accessToken, refresh_token: current.refreshToken });
  expect(item?.refresh_token).not.toBe(spentRefreshToken);
  expect(item?.tokens_issued_at).toBeGreaterThan(item?.event_ts ?? Infinity);
});

test('whose refresh token is refused is a forgery: 403 and nothing stored', async () => {
  const { store } = stack();
  const { portal, event } = lateInstall();
  const fake = randomBytes(35).toString('hex');
  rememberSecrets([fake]);
  (event.auth as Record<string, string>).refresh_token = fake;
  const response = await stack().postForm(EVENTS, event);
  expect(response.status).toBe(403);
  expect(await store.get(portal.memberId)).toBeUndefined();
});

test('without the client secret at hand, it is kept as pending (202) rather than refused', async () => {
  const { store } = stack();
  const { portal, event } = lateInstall();
  const { BITRIX24_CLIENT_SECRET: _secret, ...withoutSecret } = stack().env;
  const handler = createEventsHandler(() => {
    const config = loadConfig(withoutSecret);
    return captureDeps(config, receiverDeps(config));
  });
  const reply = await handler(
    httpApiEvent({ method: 'POST', url: EVENTS, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(phpFormBody(event)) }),
  );
  expect(reply.statusCode).toBe(202);
  const item = await store.get(portal.memberId);
  expect(item?.state).toBe('pending_verification');
  expect(item?.pending?.[0]?.refresh_token).toBe(portal.refreshToken);
});
