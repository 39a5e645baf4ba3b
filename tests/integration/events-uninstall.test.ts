import { useTestStack } from '../support/stack';
import { installedPortal, testVault } from '../support/vault';

/**
 * ONAPPUNINSTALL is only as strong as application_token, which any user of the portal can read.
 * Before erasing an active installation's tokens the receiver asks the OAuth server.
 */
const stack = useTestStack();
afterEach(() => stack().emulator.resetFaults());
const EVENTS = '/bitrix24/events';

describe('an uninstall with the right application_token', () => {
  test('while the OAuth server says the app is still installed is refused (403) and changes nothing', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 3600);
    const before = await store.get(portal.memberId);
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal));
    expect(response.status).toBe(403);
    expect(response.json.error).toBe('verification_failed');
    expect(await store.get(portal.memberId)).toEqual(before);
  });

  test('with an expired stored token: the vault refreshes it, the app is alive, the uninstall is refused and the refreshed tokens are kept', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 30);
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal));
    expect(response.status).toBe(403);
    expect(emulator.refreshCount(portal.memberId)).toBe(1);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'active', refresh_token: portal.refreshToken });
  });

  test('after the app is really gone (its token refused by app.info) erases the tokens', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 3600);
    emulator.uninstallPortal(portal.memberId);
    const ts = Math.floor(Date.now() / 1000) + 1;
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal, { ts }));
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('uninstalled');
    const item = await store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'uninstalled', event_ts: ts });
    expect(item?.access_token).toBeUndefined();
  });

  test('after the app is really gone, with an expired stored token: the refresh answers NOT_INSTALLED and the event is recorded', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 30);
    emulator.uninstallPortal(portal.memberId);
    const ts = Math.floor(Date.now() / 1000) + 1;
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal, { ts }));
    expect(response.status).toBe(200);
    expect(response.json.outcome).toBe('uninstalled');
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'uninstalled', event_ts: ts });
  });

  test('while the OAuth server cannot answer keeps everything (202 uninstall_unconfirmed); the next refresh settles it', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 3600);
    emulator.uninstallPortal(portal.memberId);
    const before = await store.get(portal.memberId);
    emulator.failAlways({ kind: 'status', status: 503 });
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal));
    expect(response.status).toBe(202);
    expect(response.json.outcome).toBe('uninstall_unconfirmed');
    expect(await store.get(portal.memberId)).toEqual(before);

    // Later, a service's call comes back with NO_AUTH_FOUND; the vault's refresh learns the truth.
    emulator.resetFaults();
    const { vault } = testVault(stack());
    await expect(vault.getAccessToken(portal.memberId, { rejected: portal.accessToken })).rejects.toMatchObject({ code: 'uninstalled' });
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'uninstalled' });
  });

  test('for an installation whose refresh token is already dead needs no confirmation: erased without asking', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 60);
    emulator.killRefreshToken(portal.memberId);
    await expect(testVault(stack()).vault.getAccessToken(portal.memberId)).rejects.toMatchObject({ code: 'needs_reinstall' });
    const calls = emulator.calls.length;
    const response = await stack().postForm(EVENTS, emulator.uninstallEvent(portal, { ts: Math.floor(Date.now() / 1000) + 1 }));
    expect(response.json.outcome).toBe('uninstalled');
    expect(emulator.calls.length).toBe(calls);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'uninstalled' });
  });
});
