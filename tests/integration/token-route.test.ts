import { createTokenHandler } from '../../handlers/token';
import { useTestStack } from '../support/stack';
import { installedPortal, testVault } from '../support/vault';

/** GET /installations/{member_id}/token over real HTTP, and the same function invoked directly. */
const stack = useTestStack();
afterEach(() => stack().emulator.resetFaults());

const tokenPath = (memberId: string) => `/installations/${memberId}/token`;

describe('GET /installations/{member_id}/token', () => {
  test('answers the stored token with its endpoint, domain, expiry and scope, never cached', async () => {
    const portal = await installedPortal(stack(), 3600);
    const response = await stack().request(tokenPath(portal.memberId));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.json).toEqual({
      ok: true,
      member_id: portal.memberId,
      access_token: portal.accessToken,
      client_endpoint: `https://${portal.domain}/rest/`,
      domain: portal.domain,
      expires_at: portal.accessExpiresAt,
      scope: 'crm,im',
    });
  });

  test('x-rejected-access-token with the current token gets a refreshed one', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 3600);
    const refused = portal.accessToken;
    const response = await stack().request(tokenPath(portal.memberId), { headers: { 'x-rejected-access-token': refused } });
    expect(response.status).toBe(200);
    expect(response.json.access_token).toBe(portal.accessToken);
    expect(response.json.access_token).not.toBe(refused);
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
  });

  test('a token in the query string is refused (400), and nothing is refreshed', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 3600);
    const response = await stack().request(`${tokenPath(portal.memberId)}?rejected_access_token=${portal.accessToken}`);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: 'invalid_payload', fields: ['query'] });
    expect(emulator.refreshCalls(portal.memberId)).toBe(0);
  });

  test.each([
    ['an unknown portal', 404, 'not_installed'],
    ['a malformed member_id', 400, 'invalid_payload'],
  ])('%s: %i %s', async (_case, status, error) => {
    const memberId = status === 404 ? 'abcdefabcdefabcdefabcdefabcdef00' : 'not%20valid!';
    const response = await stack().request(tokenPath(memberId));
    expect(response.status).toBe(status);
    expect(response.json.error).toBe(error);
  });

  test('errors map as DESIGN.md says: needs_reinstall 409, uninstalled 409, payment_required 402, oauth_unavailable 503 with retry-after', async () => {
    const { emulator } = stack();
    const dead = await installedPortal(stack(), 60);
    emulator.killRefreshToken(dead.memberId);
    const gone = await installedPortal(stack(), 60);
    emulator.uninstallPortal(gone.memberId);
    const unpaid = await installedPortal(stack(), 60);
    unpaid.paymentRequired = true;
    const unlucky = await installedPortal(stack(), 60);

    const answers = [];
    for (const portal of [dead, gone, unpaid]) answers.push(await stack().request(tokenPath(portal.memberId)));
    emulator.failNextRefresh({ kind: 'status', status: 503 });
    const unavailable = await stack().request(tokenPath(unlucky.memberId));

    expect(answers.map((a) => [a.status, a.json.error])).toEqual([
      [409, 'needs_reinstall'],
      [409, 'uninstalled'],
      [402, 'payment_required'],
    ]);
    expect([unavailable.status, unavailable.json.error, unavailable.headers.get('retry-after')]).toEqual([503, 'oauth_unavailable', '5']);
  });

  test('other methods get 405', async () => {
    const response = await stack().request(tokenPath('abcdefabcdefabcdefabcdefabcdef00'), { method: 'POST' });
    expect(response.status).toBe(405);
  });
});

describe('direct invocation {"member_id": "..."}', () => {
  test('answers the same body as the HTTP route', async () => {
    const portal = await installedPortal(stack(), 3600);
    const handler = createTokenHandler(() => testVault(stack()).vault);
    expect(await handler({ member_id: portal.memberId })).toEqual({
      ok: true,
      member_id: portal.memberId,
      access_token: portal.accessToken,
      client_endpoint: `https://${portal.domain}/rest/`,
      domain: portal.domain,
      expires_at: portal.accessExpiresAt,
      scope: 'crm,im',
    });
  });

  test('rejected_access_token with the current token refreshes it', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 3600);
    const refused = portal.accessToken;
    const handler = createTokenHandler(() => testVault(stack()).vault);
    const body = await handler({ member_id: portal.memberId, rejected_access_token: refused });
    expect(body).toMatchObject({ ok: true, access_token: portal.accessToken });
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
  });

  test('errors come back as {error, message, status}, not as a thrown function error', async () => {
    const handler = createTokenHandler(() => testVault(stack()).vault);
    expect(await handler({ member_id: 'abcdefabcdefabcdefabcdefabcdef00' })).toMatchObject({ error: 'not_installed', status: 404 });
    expect(await handler({ memberId: 'wrong-field' })).toMatchObject({ error: 'invalid_payload', status: 400, fields: ['member_id'] });
    expect(await handler('not an object')).toMatchObject({ error: 'invalid_payload', status: 400 });
  });
});
