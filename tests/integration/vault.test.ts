import { rememberSecrets } from '../support/secrets';
import { useTestStack } from '../support/stack';
import { installedPortal, testVault, until } from '../support/vault';

/** getAccessToken against dynalite and the emulator: when it refreshes, what each OAuth answer does to the portal. */
const stack = useTestStack();
afterEach(() => stack().emulator.resetFaults());

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('a stored token', () => {
  test('valid for longer than the margin is handed out as stored, without asking the OAuth server', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 3600);
    const { vault } = testVault(stack());
    const token = await vault.getAccessToken(portal.memberId);
    expect(token).toEqual({
      accessToken: portal.accessToken,
      clientEndpoint: `https://${portal.domain}/rest/`,
      domain: portal.domain,
      expiresAt: portal.accessExpiresAt,
      scope: 'crm,im',
    });
    expect(emulator.refreshCalls(portal.memberId)).toBe(0);
  });

  test('expiring within the margin is refreshed once: the item holds the new pair, a newer version and the refresh time', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 120);
    const before = await store.get(portal.memberId);
    const { vault } = testVault(stack());
    const token = await vault.getAccessToken(portal.memberId);
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
    expect(token.accessToken).toBe(portal.accessToken); // the emulator's portal object now holds the rotated pair
    const item = await store.read(portal.memberId);
    expect(item.installation).toMatchObject({
      state: 'active',
      access_token: portal.accessToken,
      refresh_token: portal.refreshToken,
      expires_at: portal.accessExpiresAt,
      version: before!.version + 1,
    });
    expect(item.installation!.tokens_issued_at).toBeGreaterThanOrEqual(nowSeconds() - 5);
    expect(item.lease).toBeUndefined();
  });

  test('a per-call margin larger than what is left refreshes it first', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 20 * 60);
    const { vault } = testVault(stack());
    await vault.getAccessToken(portal.memberId);
    expect(emulator.refreshCalls(portal.memberId)).toBe(0);
    await vault.getAccessToken(portal.memberId, { marginMs: 25 * 60_000 });
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
  });

  test('the refresh goes as a form POST body: no secret in the URL', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 60);
    await testVault(stack()).vault.getAccessToken(portal.memberId);
    const call = emulator.calls.find((c) => c.path.startsWith('/oauth/token') && c.memberId === portal.memberId);
    expect(call?.queryKeys).toEqual([]);
  });

  test('whoever takes the lease after someone else refreshed re-reads and does not refresh again', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    // Caller B reads the expiring token, then stalls just before taking the lease...
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let stalled = false;
    const stallingStore = {
      ...store,
      acquireLease: async (...args: Parameters<typeof store.acquireLease>) => {
        stalled = true;
        await gate;
        return store.acquireLease(...args);
      },
    };
    const late = testVault(stack(), { store: stallingStore }).vault.getAccessToken(portal.memberId);
    await until(() => stalled);
    // ...while caller A refreshes and gives the lease back.
    const first = await testVault(stack()).vault.getAccessToken(portal.memberId);
    open();
    expect((await late).accessToken).toBe(first.accessToken);
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
  });

  test('a lease left by a crashed owner is taken over once it lapses', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    expect((await store.acquireLease(portal.memberId, 'crashed-owner', Date.now(), 400)).acquired).toBe(true);
    const { vault } = testVault(stack());
    const token = await vault.getAccessToken(portal.memberId);
    expect(token.accessToken).toBe(portal.accessToken);
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
    expect((await store.read(portal.memberId)).lease).toBeUndefined();
  });
});

describe('rejected: the token Bitrix24 just refused', () => {
  test('a stale one (no longer stored) gets the stored token, without a refresh', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 3600);
    const { vault } = testVault(stack());
    const token = await vault.getAccessToken(portal.memberId, { rejected: 'an-older-access-token-0000' });
    expect(token.accessToken).toBe(portal.accessToken);
    expect(emulator.refreshCalls(portal.memberId)).toBe(0);
  });

  test('the current one is refreshed exactly once, however many callers report it at the same time', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 3600);
    const refused = portal.accessToken;
    emulator.refreshLatencyMs = 100;
    const { vault } = testVault(stack());
    const tokens = await Promise.all(Array.from({ length: 20 }, () => vault.getAccessToken(portal.memberId, { rejected: refused })));
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set([portal.accessToken]));
    expect(portal.accessToken).not.toBe(refused);
    expect((await store.get(portal.memberId))?.refresh_token).toBe(portal.refreshToken);
  });
});

describe('what the OAuth server answers to a refresh', () => {
  test('invalid_grant with nobody else rotating the token: needs_reinstall, and later calls say so without asking again', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    emulator.killRefreshToken(portal.memberId);
    const { vault } = testVault(stack());
    await expect(vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'needs_reinstall', status: 409 });
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'needs_reinstall' });
    await expect(vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'needs_reinstall' });
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
  });

  test('invalid_grant because another process rotated the token meanwhile: the re-read finds its tokens and the portal stays active', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    emulator.refreshLatencyMs = 300;
    const { vault } = testVault(stack());
    const call = vault.getAccessToken(portal.memberId);
    await until(() => emulator.refreshCalls(portal.memberId) === 1);
    // Meanwhile someone else refreshes the same token first and stores the result.
    const item = (await store.get(portal.memberId))!;
    const rotated = emulator.rotateBehindOurBack(portal.memberId)!;
    const saved = await store.save(
      { ...item, access_token: rotated.accessToken, refresh_token: rotated.refreshToken, expires_at: nowSeconds() + 3600, tokens_issued_at: nowSeconds(), version: item.version + 1 },
      item.version,
    );
    expect(saved).toBe('saved');
    const token = await call;
    expect(token.accessToken).toBe(rotated.accessToken);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'active', refresh_token: rotated.refreshToken });
  });

  test('NOT_INSTALLED: uninstalled, tokens erased', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    emulator.uninstallPortal(portal.memberId);
    const { vault } = testVault(stack());
    await expect(vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'uninstalled', status: 409 });
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'uninstalled' });
    expect(item?.access_token).toBeUndefined();
    expect(item?.refresh_token).toBeUndefined();
  });

  test('PAYMENT_REQUIRED: 402, the installation kept as it was, and callers who waited on that refresh share its answer', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    portal.paymentRequired = true;
    emulator.refreshLatencyMs = 100;
    const before = await store.get(portal.memberId);
    const { vault } = testVault(stack());
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => vault.getAccessToken(portal.memberId)));
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'))).toEqual(Array(10).fill('payment_required'));
    expect(emulator.refreshCalls(portal.memberId)).toBe(1);
    expect(await store.get(portal.memberId)).toEqual(before);
  });

  test('the OAuth server down (503): oauth_unavailable, nothing changed, the lease given back', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    const before = await store.get(portal.memberId);
    emulator.failAlways({ kind: 'status', status: 503 });
    await expect(testVault(stack()).vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'oauth_unavailable', status: 503 });
    const after = await store.read(portal.memberId);
    expect(after.installation).toEqual(before);
    expect(after.lease).toBeUndefined();
    expect(after.lastRefreshFailure?.code).toBe('oauth_unavailable');
  });

  test('the OAuth server accepting the connection and never answering: oauth_unavailable after OAUTH_TIMEOUT_MS', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    const before = await store.get(portal.memberId);
    emulator.failNextRefresh({ kind: 'hang' });
    await expect(testVault(stack()).vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'oauth_unavailable' });
    expect(await store.get(portal.memberId)).toEqual(before);
  });

  test('a slow OAuth server within the time limit: refreshed', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 60);
    emulator.refreshLatencyMs = 400;
    const token = await testVault(stack()).vault.getAccessToken(portal.memberId);
    expect(token.accessToken).toBe(portal.accessToken);
    expect(emulator.refreshCount(portal.memberId)).toBe(1);
  });

  test('invalid_client (our own credentials): misconfigured, an error alarm, and the installation left as it is', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    const before = await store.get(portal.memberId);
    rememberSecrets(['a-wrong-client-secret']);
    const { vault, alarms } = testVault(stack(), { clientSecret: async () => 'a-wrong-client-secret' });
    await expect(vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'misconfigured', status: 500 });
    expect(alarms).toEqual([expect.objectContaining({ level: 'error', fields: { member_id: portal.memberId, code: 'invalid_client' } })]);
    expect(await store.get(portal.memberId)).toEqual(before);
    expect(emulator.refreshCount(portal.memberId)).toBe(0);
  });

  test('an OAuth server that is not (or no longer) allowed is never contacted: misconfigured', async () => {
    const { emulator } = stack();
    const portal = await installedPortal(stack(), 60);
    const calls = emulator.calls.length;
    const { vault } = testVault(stack(), { allowedOauthServers: new Set(['https://oauth.bitrix.info']) });
    await expect(vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'misconfigured' });
    expect(emulator.calls.length).toBe(calls);
  });
});

describe('installations that cannot give a token', () => {
  test('an unknown member_id: not_installed (404)', async () => {
    await expect(testVault(stack()).vault.getAccessToken('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ code: 'not_installed', status: 404 });
  });

  test('an install still waiting for verification: pending_verification (409)', async () => {
    const { emulator } = stack();
    const portal = emulator.installPortal();
    emulator.failNext({ kind: 'status', status: 503 });
    expect((await stack().postForm('/bitrix24/events', emulator.installEvent(portal))).status).toBe(202);
    await expect(testVault(stack()).vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'pending_verification', status: 409 });
  });

  test('a malformed member_id or rejected token is invalid_payload naming the field, never its value', async () => {
    const { vault } = testVault(stack());
    await expect(vault.getAccessToken('../etc/passwd')).rejects.toMatchObject({ code: 'invalid_payload', fields: ['member_id'] });
    await expect(vault.getAccessToken('0123456789abcdef0123456789abcdef', { rejected: 'has spaces in it' })).rejects.toMatchObject({ fields: ['rejected'] });
  });
});
