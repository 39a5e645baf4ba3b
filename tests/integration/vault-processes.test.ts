import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { captureOutput } from '../support/capture-logs';
import { useTestStack } from '../support/stack';
import { installedPortal, until } from '../support/vault';

/**
 * The bug this product exists to prevent (CRest #13, b24jssdk #147, b24phpsdk #102): several
 * processes refresh one rotating refresh token and the portal is lost. Here the callers are
 * separate OS processes sharing only the table, as Lambda instances and services do.
 */
const stack = useTestStack();
afterEach(() => stack().emulator.resetFaults());

const CALLER = join(__dirname, '..', 'support', 'vault-caller.ts');
const digest = (value: string) => createHash('sha256').update(value).digest('hex');

interface Caller {
  child: ChildProcessWithoutNullStreams;
  ready: Promise<void>;
  result: Promise<string[]>;
  go(): void;
}

function startCaller(memberId: string, calls: number, env: Record<string, string> = {}): Caller {
  const child = spawn(process.execPath, ['--import', 'tsx', CALLER], {
    // 100 calls from 4 processes against one in-memory dynalite on 2 cores, beside the packaging
    // tests: generous time limits (the lease above the OAuth one), since single flight is under
    // test here, not timeouts (tested elsewhere).
    env: { ...process.env, ...stack().env, DYNAMODB_TIMEOUT_MS: '5000', OAUTH_TIMEOUT_MS: '8000', REFRESH_LEASE_TTL_MS: '15000', MEMBER_ID: memberId, CALLS: String(calls), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buffered = '';
  let markReady!: () => void;
  let settle!: (outcomes: string[]) => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<string[]>((resolve, reject) => {
    settle = resolve;
    child.once('exit', (code, signal) => reject(new Error(`caller exited (${code ?? signal}) without a result`)));
  });
  result.catch(() => undefined);
  child.stderr.on('data', captureOutput);
  child.stdout.on('data', (chunk: Buffer) => {
    // Every byte a child writes goes through the suite's secret check too.
    captureOutput(chunk);
    buffered += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line === 'ready') markReady();
      if (line.startsWith('RESULT ')) settle((JSON.parse(line.slice('RESULT '.length)) as { outcomes: string[] }).outcomes);
    }
  });
  return { child, ready, result, go: () => child.stdin.write('go\n') };
}

test('100 concurrent calls from 4 processes for one expiring portal: one refresh, everyone gets the new token, the item keeps the newest refresh token', async () => {
  // Prepare
  const { emulator, store } = stack();
  const portal = await installedPortal(stack(), 60);
  const before = await store.get(portal.memberId);
  emulator.refreshLatencyMs = 300; // long enough for every caller to arrive while the refresh is in flight
  const callers = Array.from({ length: 4 }, () => startCaller(portal.memberId, 25));
  await Promise.all(callers.map((c) => c.ready));
  // Act
  callers.forEach((c) => c.go());
  const outcomes = (await Promise.all(callers.map((c) => c.result))).flat();
  // Assess
  expect(outcomes).toHaveLength(100);
  expect(emulator.refreshCalls(portal.memberId)).toBe(1);
  expect(new Set(outcomes)).toEqual(new Set([digest(portal.accessToken)]));
  const item = await store.read(portal.memberId);
  expect(item.installation).toMatchObject({ state: 'active', refresh_token: portal.refreshToken, access_token: portal.accessToken, version: before!.version + 1 });
  expect(item.lease).toBeUndefined();
}, 60_000);

test('the lease owner killed mid-refresh: another process takes over once the lease lapses, and the portal is not lost', async () => {
  // Prepare: short leases; the owner's refresh is held up at the OAuth server long enough to kill it.
  const { emulator, store } = stack();
  const portal = await installedPortal(stack(), 60);
  const env = { REFRESH_LEASE_TTL_MS: '1500', OAUTH_TIMEOUT_MS: '8000' };
  const owner = startCaller(portal.memberId, 1, env);
  const survivor = startCaller(portal.memberId, 5, env);
  await Promise.all([owner.ready, survivor.ready]);
  emulator.refreshLatencyMs = 5_000;
  owner.go();
  await until(() => emulator.refreshCalls(portal.memberId) === 1, 10_000);
  expect((await store.read(portal.memberId)).lease).toBeDefined();
  // Act: the survivor finds the lease held and waits; the owner dies without releasing it.
  survivor.go();
  owner.child.kill('SIGKILL');
  await expect(owner.result).rejects.toThrow('SIGKILL');
  emulator.refreshLatencyMs = 0;
  const outcomes = await survivor.result;
  // Assess
  expect(new Set(outcomes)).toEqual(new Set([digest(portal.accessToken)]));
  const refreshes = emulator.calls.filter((c) => c.path.startsWith('/oauth/token') && c.memberId === portal.memberId);
  expect(refreshes.map((c) => c.abandoned ?? false)).toEqual([true, false]);
  expect(emulator.refreshCount(portal.memberId)).toBe(1);
  expect(await store.get(portal.memberId)).toMatchObject({ state: 'active', refresh_token: portal.refreshToken });
}, 60_000);
