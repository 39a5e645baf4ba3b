import { randomBytes } from 'node:crypto';
import { countingServer } from '../support/peers';
import { rememberSecrets } from '../support/secrets';
import { useTestStack } from '../support/stack';

/** Principle 2: nothing forged gets in, and a forged event never displaces a verified installation. */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';
/** Newer than the installs below, and not in the future (a future ts is refused on its own). */
const NOW_TS = Math.floor(Date.now() / 1000);

function fakeToken(): string {
  const value = randomBytes(35).toString('hex');
  rememberSecrets([value]);
  return value;
}

async function installedPortal() {
  const { emulator, store } = stack();
  const portal = emulator.installPortal();
  await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 1_700_000_000 }));
  const before = await store.get(portal.memberId);
  expect(before?.state).toBe('active');
  return { portal, before };
}

describe('a forged install', () => {
  test('with made-up tokens for an existing portal is refused (403) and the item is unchanged', async () => {
    const { portal, before } = await installedPortal();
    const forged = stack().emulator.installEvent(portal, { ts: NOW_TS }) as { auth: Record<string, string> };
    forged.auth.access_token = fakeToken();
    forged.auth.refresh_token = fakeToken();
    forged.auth.application_token = fakeToken();
    const response = await stack().postForm(EVENTS, forged);
    expect(response.status).toBe(403);
    expect(response.json.error).toBe('verification_failed');
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test("with another portal's genuine token is refused: the OAuth server names another member_id", async () => {
    const { portal, before } = await installedPortal();
    const other = stack().emulator.installPortal();
    const forged = stack().emulator.installEvent(other, { ts: NOW_TS }) as { auth: Record<string, string> };
    forged.auth.member_id = portal.memberId;
    forged.auth.domain = portal.domain;
    const response = await stack().postForm(EVENTS, forged);
    expect(response.status).toBe(403);
    expect(response.json.message).toMatch(/member_id/);
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test("with a token of another application is refused", async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal({ clientId: 'app.someone-else.1' });
    const response = await stack().postForm(EVENTS, emulator.installEvent(portal));
    expect(response.status).toBe(403);
    expect(response.json.message).toMatch(/another application/);
    expect(await store.get(portal.memberId)).toBeUndefined();
  });

  test('carrying the stored application_token but moving client_endpoint is checked with the OAuth server, and refused', async () => {
    const { portal, before } = await installedPortal();
    const forged = stack().emulator.installEvent(portal, { event: 'ONAPPUPDATE', ts: NOW_TS }) as { auth: Record<string, string> };
    forged.auth.client_endpoint = 'https://evil.example/rest/';
    forged.auth.access_token = fakeToken();
    const calls = stack().emulator.calls.length;
    const response = await stack().postForm(EVENTS, forged);
    expect(response.status).toBe(403);
    expect(stack().emulator.calls.length).toBe(calls + 1);
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test('naming a server_endpoint outside the allowlist is refused and no request leaves the process', async () => {
    const evil = await countingServer();
    try {
      const { emulator, store } = stack();
      const portal = emulator.installPortal();
      const event = emulator.installEvent(portal) as { auth: Record<string, string> };
      const calls = emulator.calls.length;
      event.auth.server_endpoint = `${evil.url}/rest/`;
      const outside = await stack().postForm(EVENTS, event);
      expect(outside.status).toBe(403);
      expect(outside.json.message).toMatch(/server_endpoint/);
      // userinfo that makes the string start like an allowed host is not even a valid endpoint
      event.auth.server_endpoint = `https://oauth.bitrix.info@127.0.0.1:${new URL(evil.url).port}/rest/`;
      const disguised = await stack().postForm(EVENTS, event);
      expect(disguised.status).toBe(400);
      expect(disguised.json.fields).toEqual(['auth.server_endpoint']);
      expect(evil.hits()).toBe(0);
      expect(emulator.calls.length).toBe(calls);
      expect(await store.get(portal.memberId)).toBeUndefined();
    } finally {
      await evil.close();
    }
  });
});

describe('a forged uninstall', () => {
  test('with a wrong application_token is refused (403) and the tokens stay', async () => {
    const { portal, before } = await installedPortal();
    const forged = stack().emulator.uninstallEvent(portal, { ts: NOW_TS }) as { auth: Record<string, string> };
    forged.auth.application_token = fakeToken();
    const response = await stack().postForm(EVENTS, forged);
    expect(response.status).toBe(403);
    expect(response.json.error).toBe('verification_failed');
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });
});
