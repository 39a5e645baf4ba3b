import { docsInstallEvent, docsUninstallEvent, realInstallEvent } from '../fixtures/bitrix24-examples';
import { useTestStack } from '../support/stack';

/** ONAPPINSTALL / ONAPPUPDATE / ONAPPUNINSTALL over real HTTP, against dynalite and the emulator. */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';

describe('a genuine install', () => {
  test('is verified with the OAuth server and stored under member_id', async () => {
    // Prepare
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    // Act
    const response = await stack().postForm(EVENTS, emulator.installEvent(portal));
    // Assess
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ ok: true, member_id: portal.memberId, outcome: 'installed' });
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({
      state: 'active',
      domain: portal.domain,
      access_token: portal.accessToken,
      refresh_token: portal.refreshToken,
      expires_at: portal.accessExpiresAt,
      client_endpoint: `https://${portal.domain}/rest/`,
      server_endpoint: emulator.serverEndpoint,
      scope: 'crm,im',
      status: 'F',
      user_id: 1,
      version: 1,
    });
    expect(item?.application_token_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(item)).not.toContain(portal.applicationToken);
  });

  test('the live payload of BITRIX24.md is accepted (absolute `expires` wins over `expires_in`)', async () => {
    const { emulator, store } = stack();
    const event = realInstallEvent(emulator.serverEndpoint);
    emulator.adoptPortal({
      memberId: event.auth.member_id,
      domain: event.auth.domain,
      accessToken: event.auth.access_token,
      refreshToken: event.auth.refresh_token,
      applicationToken: event.auth.application_token,
      status: 'L',
    });
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    expect(await store.get(event.auth.member_id)).toMatchObject({ state: 'active', expires_at: 1727022526, status: 'L', user_id: 1, event_ts: 1727018926 });
  });

  test('the docs payload (no expires, no user_id, short data) is accepted; expiry is ts + expires_in and the endpoint is the one the OAuth server vouches for', async () => {
    const { emulator, store } = stack();
    const event = docsInstallEvent(emulator.serverEndpoint);
    emulator.adoptPortal({
      memberId: event.auth.member_id,
      domain: event.auth.domain,
      accessToken: event.auth.access_token,
      refreshToken: event.auth.refresh_token,
      applicationToken: event.auth.application_token,
    });
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    const item = await store.get(event.auth.member_id);
    expect(item).toMatchObject({ expires_at: 1466439714 + 3600, client_endpoint: 'https://portal.bitrix24.com/rest/' });
    expect(item?.user_id).toBeUndefined();
  });

  test('a reinstall with a newer ts replaces the tokens and keeps installed_at', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 1_000_000 }));
    const first = await store.get(portal.memberId);
    const again = emulator.installPortal({ memberId: portal.memberId });
    const response = await stack().postForm(EVENTS, emulator.installEvent(again, { ts: 1_000_100 }));
    expect(response.json.outcome).toBe('installed');
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({ access_token: again.accessToken, refresh_token: again.refreshToken, event_ts: 1_000_100, version: 2 });
    expect(item?.installed_at).toBe(first?.installed_at);
  });

  test('ONAPPUPDATE carrying the stored application_token is accepted without asking the OAuth server', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 2_000_000 }));
    const calls = emulator.calls.length;
    const updated = emulator.installPortal({ memberId: portal.memberId });
    const response = await stack().postForm(EVENTS, emulator.installEvent(updated, { event: 'ONAPPUPDATE', ts: 2_000_050 }));
    expect(response.status).toBe(200);
    expect(emulator.calls.length).toBe(calls);
    expect(await store.get(portal.memberId)).toMatchObject({ access_token: updated.accessToken, event_ts: 2_000_050 });
  });
});

describe('ordering and duplicates', () => {
  test('an older ts after a newer one is a 200 that changes nothing', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const older = emulator.installEvent(portal, { ts: 3_000_000 });
    const newer = emulator.installPortal({ memberId: portal.memberId });
    await stack().postForm(EVENTS, emulator.installEvent(newer, { ts: 3_000_100 }));
    const before = await store.get(portal.memberId);
    const response = await stack().postForm(EVENTS, older);
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('stale');
    expect(await store.get(portal.memberId)).toEqual(before);
  });

  test('the same install delivered twice changes nothing the second time', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const event = emulator.installEvent(portal);
    await stack().postForm(EVENTS, event);
    const before = await store.get(portal.memberId);
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('duplicate');
    expect(await store.get(portal.memberId)).toEqual(before);
  });

  test('the same install delivered ten times at once leaves one consistent item', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const event = emulator.installEvent(portal);
    const responses = await Promise.all(Array.from({ length: 10 }, () => stack().postForm(EVENTS, event)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const outcomes = responses.map((r) => r.json.outcome).sort();
    expect(outcomes).toEqual([...Array(9).fill('duplicate'), 'installed']);
    expect(await store.get(portal.memberId)).toMatchObject({ version: 1, access_token: portal.accessToken, state: 'active' });
  });
});

describe('uninstall', () => {
  test('with the stored application_token erases the tokens and keeps a tombstone', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 4_000_000 }));
    emulator.uninstallPortal(portal.memberId); // as Bitrix24 does before it sends ONAPPUNINSTALL
    const event = docsUninstallEvent(emulator.serverEndpoint, portal.memberId, portal.applicationToken, portal.domain, '4000100');
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('uninstalled');
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'uninstalled', event_ts: 4_000_100, domain: portal.domain });
    expect(item?.access_token).toBeUndefined();
    expect(item?.refresh_token).toBeUndefined();
    expect(item?.expires_at).toBeUndefined();
    // delivered again: nothing to do
    const again = await stack().postForm(EVENTS, event);
    expect(again.status).toBe(200);
    expect(again.json.outcome).toBe('duplicate');
  });

  test('for a portal we never stored is a 200 with nothing to do', async () => {
    const { emulator, store } = stack();
    const event = docsUninstallEvent(emulator.serverEndpoint, 'feedfacefeedfacefeedfacefeedface', 'abcdefabcdefabcdef0123', 'nobody.bitrix24.com', '5000000');
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('not_installed');
    expect(await store.get('feedfacefeedfacefeedfacefeedface')).toBeUndefined();
  });

  test('a reinstall after an uninstall makes the portal active again', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 6_000_000 }));
    emulator.uninstallPortal(portal.memberId);
    expect((await stack().postForm(EVENTS, emulator.uninstallEvent(portal, { ts: 6_000_100 }))).json.outcome).toBe('uninstalled');
    const again = emulator.installPortal({ memberId: portal.memberId });
    const response = await stack().postForm(EVENTS, emulator.installEvent(again, { ts: 6_000_200 }));
    expect(response.json.outcome).toBe('installed');
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'active', access_token: again.accessToken });
    expect(item?.uninstalled_at).toBeUndefined();
  });
});
