import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../lib/secret-hash';
import { rememberSecrets } from '../support/secrets';
import type { TestResponse } from '../support/stack';
import { useTestStack } from '../support/stack';

/** POST /bitrix24/install: the install page Bitrix24 opens in its iframe, over real HTTP, against dynalite and the emulator. */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';

function callsInstallFinish(response: TestResponse): boolean {
  return response.text.includes('BX24.installFinish()') && response.text.includes('<script src="https://api.bitrix24.com/api/v1/"></script>');
}

function expectHtmlPage(response: TestResponse, portalOrigin: string | undefined) {
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('content-security-policy')).toContain(`frame-ancestors ${portalOrigin ?? "'none'"}`);
  expect(response.text.startsWith('<!doctype html>')).toBe(true);
}

describe('a genuine install page POST', () => {
  test('is verified with the OAuth server, stored, and answered with a page that calls BX24.installFinish()', async () => {
    // Prepare
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const page = emulator.installPage(portal);
    const before = Math.floor(Date.now() / 1000);
    // Act
    const response = await stack().postInstallPage(page);
    // Assess
    expect(response.status).toBe(200);
    expectHtmlPage(response, `https://${portal.domain}`);
    expect(callsInstallFinish(response)).toBe(true);
    expect(response.text).toContain(portal.domain);
    for (const secret of [portal.accessToken, portal.refreshToken, portal.applicationToken]) expect(response.text).not.toContain(secret);
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({
      state: 'active',
      domain: portal.domain,
      access_token: portal.accessToken,
      refresh_token: portal.refreshToken,
      client_endpoint: `https://${portal.domain}/rest/`,
      server_endpoint: emulator.serverEndpoint,
      scope: 'crm,im',
      status: 'F',
      user_id: 1,
      application_token_sha256: sha256Hex(portal.applicationToken),
      version: 1,
    });
    // Receipt time + AUTH_EXPIRES (a lifetime), never AUTH_EXPIRES itself.
    expect(item?.event_ts).toBeGreaterThanOrEqual(before);
    expect(item?.expires_at).toBe((item?.event_ts ?? 0) + 3600);
    expect(emulator.calls.filter((call) => call.memberId === portal.memberId).map((call) => call.path)).toEqual(['/rest/app.info']);
  });

  test('with every field in the query string and no body is accepted', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const page = emulator.installPage(portal);
    const response = await stack().postInstallPage({ query: { ...page.query, ...page.body } });
    expect(response.status).toBe(200);
    expect(callsInstallFinish(response)).toBe(true);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'active', access_token: portal.accessToken });
  });

  test.each([
    ['JSON', '{"ID":"19","URI":"\\/crm\\/deal\\/list\\/"}'],
    ['the literal `undefined` (telephony placements)', 'undefined'],
  ])('with PLACEMENT_OPTIONS as %s is accepted', async (_, placementOptions) => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const response = await stack().postInstallPage(emulator.installPage(portal, { placementOptions }));
    expect(response.status).toBe(200);
    expect(callsInstallFinish(response)).toBe(true);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'active' });
  });

  test('without SERVER_ENDPOINT (the seed page’s minimal POST) asks the first allowed OAuth server', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const response = await stack().postInstallPage(emulator.installPage(portal, { withServerEndpoint: false }));
    expect(response.status).toBe(200);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'active', server_endpoint: `${emulator.origin}/rest/` });
  });
});

describe('a forged install page POST', () => {
  test('with tokens the OAuth server does not know is a 403 page without installFinish, and nothing is stored', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const page = emulator.installPage(portal);
    const forged = { ...page.body, member_id: randomBytes(16).toString('hex'), AUTH_ID: randomBytes(35).toString('hex'), REFRESH_ID: randomBytes(35).toString('hex') };
    rememberSecrets([forged.AUTH_ID, forged.REFRESH_ID]);
    const response = await stack().postInstallPage({ query: page.query, body: forged });
    expect(response.status).toBe(403);
    expectHtmlPage(response, `https://${portal.domain}`);
    expect(response.text).toContain('could not confirm this installation');
    expect(response.text).not.toContain('installFinish');
    expect(response.text).not.toContain('<script');
    expect(response.headers.get('content-security-policy')).not.toContain('script-src');
    expect(await store.get(forged.member_id)).toBeUndefined();
  });

  test('naming another portal than the token belongs to is a 403, and the real portal is untouched', async () => {
    const { emulator, store } = stack();
    const victim = emulator.installPortal();
    await stack().postInstallPage(emulator.installPage(victim));
    const before = await store.get(victim.memberId);
    const attacker = emulator.installPortal();
    const page = emulator.installPage(attacker);
    const response = await stack().postInstallPage({ query: { ...page.query, DOMAIN: victim.domain }, body: { ...page.body, member_id: victim.memberId } });
    expect(response.status).toBe(403);
    expect(await store.get(victim.memberId)).toEqual(before);
  });

  test('whose SERVER_ENDPOINT is not an allowed OAuth server is a 403 and that server is never contacted', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const page = emulator.installPage(portal);
    const calls = emulator.calls.length;
    const response = await stack().postInstallPage({ query: page.query, body: { ...page.body, SERVER_ENDPOINT: 'https://oauth.evil.example/rest/' } });
    expect(response.status).toBe(403);
    expect(emulator.calls.length).toBe(calls);
    expect(await store.get(portal.memberId)).toBeUndefined();
  });
});

describe('when the OAuth server is down', () => {
  test('the install is kept as pending, and the page says so and still finishes the installation', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    emulator.failAlways({ kind: 'status', status: 503 });
    try {
      const response = await stack().postInstallPage(emulator.installPage(portal));
      expect(response.status).toBe(202);
      expect(response.text).toContain('pending verification');
      expect(callsInstallFinish(response)).toBe(true);
      const item = await store.get(portal.memberId);
      expect(item).toMatchObject({ state: 'pending_verification' });
      expect(item?.access_token).toBeUndefined();
      expect(item?.pending?.map((p) => [p.source, p.access_token])).toEqual([['INSTALL_PAGE', portal.accessToken]]);
    } finally {
      emulator.failAlways(undefined);
    }
  });
});

describe('bad requests get an HTML page that names what is wrong, and nothing is stored', () => {
  test('a POST without AUTH_ID and member_id is a 400 naming both', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const { AUTH_ID: _a, member_id: _m, ...body } = emulator.installPage(portal).body;
    const response = await stack().postInstallPage({ query: emulator.installPage(portal).query, body });
    expect(response.status).toBe(400);
    expectHtmlPage(response, `https://${portal.domain}`);
    expect(response.text).toContain('Missing or invalid: AUTH_ID, member_id');
    expect(response.text).not.toContain('installFinish');
    expect(await store.get(portal.memberId)).toBeUndefined();
  });

  test('a GET is a 405 page with Allow: POST, framed by nobody when no portal is named', async () => {
    const response = await stack().request('/bitrix24/install');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expectHtmlPage(response, undefined);
  });

  test('a DOMAIN that is not a host name is a 400 and is never echoed', async () => {
    const { emulator } = stack();
    const page = emulator.installPage(emulator.installPortal());
    const response = await stack().postInstallPage({ query: { ...page.query, DOMAIN: '<script>alert(1)</script>' }, body: page.body });
    expect(response.status).toBe(400);
    expect(response.text).toContain('DOMAIN');
    expect(response.text).not.toContain('<script>alert');
    expectHtmlPage(response, undefined);
  });
});

describe('two-step install: the install page and ONAPPINSTALL for the same portal', () => {
  test('page first, then ONAPPINSTALL: the event is a 200 that changes nothing, not a conflict', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const event = emulator.installEvent(portal, { ts: Math.floor(Date.now() / 1000) - 5 });
    await stack().postInstallPage(emulator.installPage(portal));
    const before = await store.get(portal.memberId);
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    expect(['stale', 'duplicate']).toContain(response.json.outcome);
    expect(await store.get(portal.memberId)).toEqual(before);
  });

  test('a page without APPLICATION_TOKEN or SERVER_ENDPOINT, then ONAPPINSTALL: the event supplies the application_token, so ONAPPUNINSTALL works', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    const event = emulator.installEvent(portal, { ts: Math.floor(Date.now() / 1000) - 5 });
    const page = emulator.installPage(portal, { withServerEndpoint: false });
    const { APPLICATION_TOKEN: _t, ...minimal } = page.body;
    expect((await stack().postInstallPage({ query: page.query, body: minimal })).status).toBe(200);
    expect((await store.get(portal.memberId))?.application_token_sha256).toBeUndefined();

    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('application_token_updated');
    expect(await store.get(portal.memberId)).toMatchObject({ access_token: portal.accessToken, application_token_sha256: sha256Hex(portal.applicationToken) });

    emulator.uninstallPortal(portal.memberId); // Bitrix24 uninstalls first, then tells us
    const uninstall = await stack().postForm(EVENTS, emulator.uninstallEvent(portal));
    expect(uninstall.json.outcome).toBe('uninstalled');
  });

  test('ONAPPINSTALL first, then the page: the page finishes the installation and keeps the event’s application_token', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: Math.floor(Date.now() / 1000) - 30 }));
    const page = emulator.installPage(portal);
    const forgedAppToken = randomBytes(16).toString('hex');
    rememberSecrets([forgedAppToken]);
    const response = await stack().postInstallPage({ query: page.query, body: { ...page.body, APPLICATION_TOKEN: forgedAppToken } });
    expect(response.status).toBe(200);
    expect(callsInstallFinish(response)).toBe(true);
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'active', access_token: portal.accessToken, application_token_sha256: sha256Hex(portal.applicationToken) });
    // The server-to-server application_token still proves the uninstall (which the OAuth server confirms).
    emulator.uninstallPortal(portal.memberId);
    expect((await stack().postForm(EVENTS, emulator.uninstallEvent(portal))).json.outcome).toBe('uninstalled');
  });
});
