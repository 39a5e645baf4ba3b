import { randomBytes } from 'node:crypto';
import { createTokenHandler } from '../../handlers/token';
import { rememberSecrets } from '../support/secrets';
import { testVault } from '../support/vault';
import { useTestStack } from '../support/stack';

/** Ways a genuine portal could be lost or taken over, each pinned by the behaviour that prevents it. */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';

function fakeToken(): string {
  const value = randomBytes(35).toString('hex');
  rememberSecrets([value]);
  return value;
}

describe('a ts from the future', () => {
  test('is refused (400 naming ts) before it can make every genuine event after it stale', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: Math.floor(Date.now() / 1000) - 100 }));
    const before = await store.get(portal.memberId);
    // A user of the portal knows its application_token and forges an update from the year 5138.
    const forged = emulator.installEvent(portal, { event: 'ONAPPUPDATE', ts: 99_999_999_999 }) as { auth: Record<string, string> };
    forged.auth.access_token = fakeToken();
    forged.auth.refresh_token = fakeToken();
    const response = await stack().postForm(EVENTS, forged);
    expect(response.status).toBe(400);
    expect(response.json.fields).toEqual(['ts']);
    expect(await store.get(portal.memberId)).toEqual(before);
    // and the genuine reinstall afterwards still lands
    const again = emulator.installPortal({ memberId: portal.memberId });
    expect((await stack().postForm(EVENTS, emulator.installEvent(again))).json.outcome).toBe('installed');
  });

  test('on an uninstall is refused the same way', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal));
    const before = await store.get(portal.memberId);
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal, { ts: 99_999_999_999 }));
    expect(response.status).toBe(400);
    expect(await store.get(portal.memberId)).toEqual(before);
  });
});

test('a late duplicate ONAPPINSTALL never spends the stored refresh token to prove itself', async () => {
  const { emulator, store } = stack();
  const portal = emulator.installPortal();
  const event = emulator.installEvent(portal) as { auth: Record<string, string> };
  await stack().postForm(EVENTS, event);
  // The stored client_endpoint is spelled differently, so the application_token shortcut does not apply.
  const item = (await store.get(portal.memberId))!;
  await store.save({ ...item, client_endpoint: `https://${portal.domain}/rest`, version: item.version + 1 }, item.version);
  emulator.expireAccessTokenIn(portal.memberId, -10);
  const response = await stack().postForm(EVENTS, event);
  expect(response.status).toBe(200);
  expect(response.json.outcome).toBe('duplicate');
  expect(emulator.refreshCount(portal.memberId)).toBe(0);
  expect((await store.get(portal.memberId))?.refresh_token).toBe(emulator.portals.get(portal.memberId)!.refreshToken);
});

test('after an uninstall, the old application_token does not bring the portal back: the reinstall is asked about', async () => {
  const { emulator, store } = stack();
  const portal = emulator.installPortal();
  await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: Math.floor(Date.now() / 1000) - 100 }));
  emulator.uninstallPortal(portal.memberId);
  await stack().postForm(EVENTS, emulator.uninstallEvent(portal, { ts: Math.floor(Date.now() / 1000) - 50 }));
  const forged = emulator.installEvent(portal) as { auth: Record<string, string> };
  forged.auth.access_token = fakeToken();
  forged.auth.refresh_token = fakeToken();
  const response = await stack().postForm(EVENTS, forged);
  expect(response.status).toBe(403);
  expect((await store.get(portal.memberId))?.state).toBe('uninstalled');
});

test('an install page POST with an expired token is refused (a page view mints fresh ones), and the portal is untouched', async () => {
  const { emulator, store } = stack();
  const attacker = emulator.installPortal();
  const victim = emulator.installPortal();
  await stack().postForm(EVENTS, emulator.installEvent(victim));
  const before = await store.get(victim.memberId);
  emulator.expireAccessTokenIn(attacker.memberId, -10);
  const page = emulator.installPage(attacker);
  const response = await stack().postInstallPage({ query: { ...page.query, DOMAIN: victim.domain }, body: { ...page.body, member_id: victim.memberId } });
  expect(response.status).toBe(403);
  expect(response.text).not.toContain('installFinish();');
  expect(await store.get(victim.memberId)).toEqual(before);
});

test('a direct invocation of the token function that carries a requestContext is a direct invocation, not a 500', async () => {
  const { emulator } = stack();
  const portal = emulator.installPortal();
  await stack().postForm(EVENTS, emulator.installEvent(portal));
  const handler = createTokenHandler(() => testVault(stack()).vault);
  const reply = (await handler({ member_id: portal.memberId, requestContext: {} } as never)) as unknown as Record<string, unknown>;
  expect(reply).toMatchObject({ member_id: portal.memberId, access_token: portal.accessToken });
});

test('the local server answers a malformed escape in the path with 404, not 500', async () => {
  const response = await stack().request('/installations/%E0/token');
  expect(response.status).toBe(404);
});
