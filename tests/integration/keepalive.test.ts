import { createKeepAliveHandler, keepAliveSetup } from '../../handlers/keepalive';
import type { Config } from '../../lib/config';
import { UnavailableError } from '../../lib/errors';
import type { InstallationsStore } from '../../lib/installations-store';
import { logger } from '../../lib/logger';
import { appDeps } from '../../lib/receiver-deps';
import type { PendingDeps } from '../../lib/reverify-pending';
import { reverifyPending } from '../../lib/reverify-pending';
import type { TestStack } from '../support/stack';
import { startTestStack } from '../support/stack';
import { installedPortal } from '../support/vault';

/** The daily keep-alive: refreshes only old refresh tokens, re-verifies pending installs, bounded per run. */
let stack: TestStack;
beforeEach(async () => {
  stack = await startTestStack();
});
afterEach(async () => {
  await stack.close();
  jest.restoreAllMocks();
});

const DAY_SECONDS = 86_400;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An active portal whose refresh token was last used `days` ago. */
async function portalIdleFor(days: number) {
  const portal = await installedPortal(stack, 3600);
  const item = (await stack.store.get(portal.memberId))!;
  await stack.store.save({ ...item, tokens_issued_at: nowSeconds() - days * DAY_SECONDS, version: item.version + 1 }, item.version);
  return portal;
}

/** An install that arrived while the OAuth server was down: kept aside as pending (202). */
async function pendingInstall(options: { expiresInSeconds?: number; forged?: boolean } = {}) {
  const { emulator } = stack;
  const portal = emulator.installPortal();
  if (options.expiresInSeconds !== undefined) emulator.expireAccessTokenIn(portal.memberId, options.expiresInSeconds);
  const event = emulator.installEvent(portal);
  if (options.forged) emulator.portals.delete(portal.memberId); // tokens Bitrix24 never minted
  emulator.failNext({ kind: 'status', status: 503 });
  expect((await stack.postForm('/bitrix24/events', event)).status).toBe(202);
  return portal;
}

/** The scheduled function, wired from the stack's configuration (defaults: 150 days, 200 items per run). */
function keepAlive(overrides: Partial<Config> = {}) {
  return createKeepAliveHandler(() => keepAliveSetup({ ...stack.config, ...overrides }));
}

test('refreshes exactly the refresh tokens idle for more than KEEPALIVE_AFTER_DAYS, and logs the counts', async () => {
  const { emulator, store } = stack;
  const old = [await portalIdleFor(151), await portalIdleFor(170)];
  const young = [await portalIdleFor(149), await portalIdleFor(3)];
  const dead = await portalIdleFor(160);
  const deadItem = (await store.get(dead.memberId))!;
  await store.save({ ...deadItem, state: 'needs_reinstall', version: deadItem.version + 1 }, deadItem.version);
  const info = jest.spyOn(logger, 'info');

  const report = await keepAlive()();

  expect(old.map((p) => emulator.refreshCalls(p.memberId))).toEqual([1, 1]);
  expect([...young, dead].map((p) => emulator.refreshCalls(p.memberId))).toEqual([0, 0, 0]);
  for (const portal of old) expect((await store.get(portal.memberId))?.refresh_token).toBe(portal.refreshToken);
  expect(report).toMatchObject({ candidates: 2, refreshed: 2, refresh_failed: 0, deferred: 0 });
  expect(info).toHaveBeenCalledWith('keepalive', expect.objectContaining({ candidates: 2, refreshed: 2, deferred: 0 }));
});

test('does a bounded amount of work per run, oldest first; the rest waits for the next run', async () => {
  const { emulator } = stack;
  const portals = [await portalIdleFor(155), await portalIdleFor(175), await portalIdleFor(165)];
  const first = await keepAlive({ KEEPALIVE_MAX_ITEMS_PER_RUN: 2 })();
  expect(first).toMatchObject({ candidates: 3, refreshed: 2, deferred: 1 });
  expect(portals.map((p) => emulator.refreshCalls(p.memberId))).toEqual([0, 1, 1]);
  const second = await keepAlive({ KEEPALIVE_MAX_ITEMS_PER_RUN: 2 })();
  expect(second).toMatchObject({ candidates: 1, refreshed: 1, deferred: 0 });
});

test('stops starting new items when the function is about to time out', async () => {
  await portalIdleFor(160);
  const report = await keepAlive()({}, { getRemainingTimeInMillis: () => 10_000 });
  expect(report).toMatchObject({ candidates: 1, refreshed: 0, deferred: 1 });
});

test('a failed refresh is counted by its code and does not stop the run', async () => {
  const { emulator, store } = stack;
  const unpaid = await portalIdleFor(160);
  unpaid.paymentRequired = true;
  const fine = await portalIdleFor(161);
  const report = await keepAlive()();
  expect(report).toMatchObject({ refreshed: 1, refresh_failed: 1, failures: { payment_required: 1 } });
  expect(await store.get(unpaid.memberId)).toMatchObject({ state: 'active' });
  expect(emulator.refreshCount(fine.memberId)).toBe(1);
});

describe('pending installs', () => {
  test('one that the OAuth server now vouches for is promoted to active', async () => {
    const portal = await pendingInstall();
    const report = await keepAlive()();
    expect(report).toMatchObject({ pending_items: 1, pending_promoted: 1, pending_dropped: 0 });
    const item = await stack.store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'active', access_token: portal.accessToken, refresh_token: portal.refreshToken });
    expect(item?.pending).toBeUndefined();
  });

  test('one whose access token has expired meanwhile is proven by refreshing it, and its refreshed tokens are stored', async () => {
    const { emulator } = stack;
    const portal = await pendingInstall({ expiresInSeconds: 30 });
    const report = await keepAlive()();
    expect(report).toMatchObject({ pending_promoted: 1 });
    expect(emulator.refreshCount(portal.memberId)).toBe(1);
    const item = await stack.store.get(portal.memberId);
    expect(item).toMatchObject({ state: 'active', access_token: portal.accessToken, refresh_token: portal.refreshToken });
    expect(item!.tokens_issued_at).toBeGreaterThanOrEqual(nowSeconds() - 5);
  });

  test('a refused one is dropped; a pending-only item left without candidates is deleted', async () => {
    const portal = await pendingInstall({ forged: true });
    expect(await stack.store.get(portal.memberId)).toMatchObject({ state: 'pending_verification' });
    const report = await keepAlive()();
    expect(report).toMatchObject({ pending_dropped: 1, pending_removed: 1 });
    expect(await stack.store.get(portal.memberId)).toBeUndefined();
  });

  test('a refused one beside an active installation is dropped and the installation is untouched', async () => {
    const { emulator, store } = stack;
    const portal = await installedPortal(stack, 3600);
    const forged = { ...emulator.installEvent(portal, { ts: nowSeconds() + 10 }) } as { auth: Record<string, string> };
    forged.auth = { ...forged.auth, access_token: 'forgedaccesstoken0000000000', refresh_token: 'forgedrefreshtoken000000000', application_token: 'not-the-stored-one-0000' };
    emulator.failNext({ kind: 'status', status: 503 });
    expect((await stack.postForm('/bitrix24/events', forged)).status).toBe(202);
    const before = (await store.get(portal.memberId))!;
    expect(before.pending).toHaveLength(1);
    const report = await keepAlive()();
    expect(report).toMatchObject({ pending_dropped: 1, pending_removed: 0, refreshed: 0 });
    const after = await store.get(portal.memberId);
    expect(after).toMatchObject({ state: 'active', access_token: before.access_token, refresh_token: before.refresh_token });
    expect(after?.pending).toBeUndefined();
  });

  test('while the OAuth server is still down it waits for the next run', async () => {
    const { emulator } = stack;
    const portal = await pendingInstall();
    emulator.failAlways({ kind: 'status', status: 503 });
    const report = await keepAlive()();
    expect(report).toMatchObject({ pending_kept: 1, pending_promoted: 0 });
    expect(await stack.store.get(portal.memberId)).toMatchObject({ state: 'pending_verification' });
  });

  describe('proven by refresh, while the table is failing', () => {
    /** The stack's table, whose next `failures` saves throw as DynamoDB does when it is unavailable. */
    function flakySaves(failures: number): { store: InstallationsStore; failed: () => number } {
      let failed = 0;
      const store: InstallationsStore = {
        ...stack.store,
        async save(next, expectedVersion) {
          if (failed < failures) {
            failed++;
            throw new UnavailableError('storage_unavailable', 'The installations table is unavailable (TimeoutError)');
          }
          return stack.store.save(next, expectedVersion);
        },
      };
      return { store, failed: () => failed };
    }

    function pendingDeps(store: InstallationsStore) {
      const app = appDeps(stack.config);
      const alarms: string[] = [];
      const deps: PendingDeps = {
        ...app.receiver,
        store,
        clientSecret: app.vaultDeps.clientSecret,
        log: { error: (message) => alarms.push(message), warn: () => undefined },
        sleep: async () => undefined,
      };
      return { deps, alarms };
    }

    test('the promotion is written through storage failures, and the stored refresh token is the one the OAuth server now honours', async () => {
      const { emulator } = stack;
      const portal = await pendingInstall({ expiresInSeconds: 30 });
      const flaky = flakySaves(3);
      const { deps, alarms } = pendingDeps(flaky.store);

      const report = await reverifyPending(deps, portal.memberId);

      expect(flaky.failed()).toBe(3);
      expect(emulator.refreshCount(portal.memberId)).toBe(1);
      expect(report).toMatchObject({ promoted: 1, dropped: 0 });
      expect(await stack.store.get(portal.memberId)).toMatchObject({ state: 'active', access_token: portal.accessToken, refresh_token: portal.refreshToken });
      expect(alarms).toEqual([]);
    });

    test('when the write never lands, the run fails and the lost rotated token is logged at error level', async () => {
      const { emulator } = stack;
      const portal = await pendingInstall({ expiresInSeconds: 30 });
      const { deps, alarms } = pendingDeps(flakySaves(Infinity).store);

      await expect(reverifyPending(deps, portal.memberId)).rejects.toMatchObject({ code: 'storage_unavailable' });

      expect(emulator.refreshCount(portal.memberId)).toBe(1);
      expect(alarms).toEqual(['refreshed tokens could not be stored; the portal may need a reinstall']);
      expect(await stack.store.get(portal.memberId)).toMatchObject({ state: 'pending_verification' });
    });

    test('a failure before any token is rotated is the caller’s as before: no retry, no alarm', async () => {
      const portal = await pendingInstall();
      const flaky = flakySaves(1);
      const { deps, alarms } = pendingDeps(flaky.store);

      await expect(reverifyPending(deps, portal.memberId)).rejects.toMatchObject({ code: 'storage_unavailable' });

      expect(flaky.failed()).toBe(1);
      expect(alarms).toEqual([]);
      expect(await stack.store.get(portal.memberId)).toMatchObject({ state: 'pending_verification' });
    });
  });
});

