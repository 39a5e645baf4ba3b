import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReplayHandler } from '../../handlers/replay';
import { capturedEvent } from '../../lib/capture/captured-event';
import { createSpoolCapture } from '../../lib/capture/spool-capture';
import { deliveryFromLifecycleEvent } from '../../lib/receive-event';
import { receiverDeps } from '../../lib/receiver-deps';
import { replaySpool } from '../../lib/replay-sources';
import { parseLifecycleEvent } from '../../lib/schemas';
import { captureOutput, capturedLines } from '../support/capture-logs';
import { sqsEventFromSpool } from '../support/sqs-event';
import type { TestStack } from '../support/stack';
import { useTestStack } from '../support/stack';

/**
 * Durable capture and replay (DESIGN.md principle 1): a storage outage loses nothing. DynamoDB is
 * the real dynalite, stopped and restarted on the same data; the emulator keeps answering.
 */
const EVENTS = '/bitrix24/events';
const root = join(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'b24-recovery-'));
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  // @smithy/node-http-handler clears its connection-timeout timer only on 'connect': after a refused
  // connection (DynamoDB stopped) it runs out its full time (the stack's 1 s), keeping the worker alive.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
});

function spoolFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
}

/** `b24-installs replay` (`npm run replay`) as an operator runs it, in its own process; its output goes through the suite's log capture. */
function runReplayCommand(args: string[], env: Record<string, string>): Promise<{ exitCode: number; stdout: string }> {
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsx, join(root, 'cli', 'main.ts'), 'replay', ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      captureOutput(stdout);
      captureOutput(stderr);
      resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout });
    });
  });
}

function eventDelivery(fields: Record<string, unknown>) {
  return deliveryFromLifecycleEvent(parseLifecycleEvent(JSON.parse(JSON.stringify(fields)) as Record<string, unknown>));
}

describe('DynamoDB stopped mid-run while installs keep arriving', () => {
  const stack = useTestStack({ dataDir: join(scratch, 'dynamodb') });

  test('every install is answered 202 and captured; once DynamoDB is back, replay stores each exactly once, newest tokens win, and a second replay changes nothing', async () => {
    // Prepare: a portal installed while DynamoDB runs
    const s: TestStack = stack();
    const { emulator, store } = s;
    const now = Math.floor(Date.now() / 1000);
    const a = emulator.installPortal();
    expect((await s.postForm(EVENTS, emulator.installEvent(a, { ts: now - 100 }))).status).toBe(200);

    // Act: DynamoDB stops; installs keep arriving
    await s.dynamo.stop();
    const b1 = emulator.installPortal();
    const c = emulator.installPortal();
    const d = emulator.installPortal();
    const b1Event = emulator.installEvent(b1, { ts: now - 50 });
    const cEvent = emulator.installEvent(c, { ts: now - 40 });
    const answers = [
      await s.postForm(EVENTS, b1Event), // a new portal
      await s.postForm(EVENTS, b1Event), // the same event delivered twice
      await s.postForm(EVENTS, cEvent), // a two-step install: ONAPPINSTALL ...
    ];
    const page = await s.postInstallPage(emulator.installPage(c)); // ... and its install page
    const a2 = emulator.installPortal({ memberId: a.memberId }); // a stored portal reinstalls
    answers.push(await s.postForm(EVENTS, emulator.installEvent(a2, { ts: now - 30 })));
    const b2 = emulator.installPortal({ memberId: b1.memberId }); // b reinstalls: newer tokens, b1's are dead now
    answers.push(await s.postForm(EVENTS, emulator.installEvent(b2, { ts: now - 20 })));
    emulator.failAlways({ kind: 'reset' }); // the OAuth server goes down too
    answers.push(await s.postForm(EVENTS, emulator.installEvent(d, { ts: now - 10 })));
    emulator.failAlways(undefined);

    // Assess: every one answered 202 and captured
    expect(answers.map((r) => [r.status, r.json.outcome])).toEqual(Array(6).fill([202, 'captured']));
    expect(page.status).toBe(202);
    expect(page.text).toContain('kept safely');
    expect(page.text).toContain('BX24.installFinish()');
    expect(spoolFiles(s.captureDir)).toHaveLength(7);

    // The replay function (the capture queue's trigger) while DynamoDB is still down: every message goes back to the queue
    const sqsEvent = sqsEventFromSpool(s.captureDir);
    const replayFunction = createReplayHandler(() => receiverDeps(s.config));
    const whileDown = await replayFunction(sqsEvent);
    expect(whileDown.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(sqsEvent.Records.map((r) => r.messageId).sort());

    // DynamoDB is back: replay with the operator's command
    const backup = join(scratch, 'capture-backup');
    cpSync(s.captureDir, backup, { recursive: true });
    await s.dynamo.start();
    const replayed = await runReplayCommand(['--dir', s.captureDir], s.env);
    expect(replayed.exitCode).toBe(0);
    expect(replayed.stdout).toContain('7 applied, 0 rejected, 0 failed, 0 deferred');
    expect(spoolFiles(s.captureDir)).toHaveLength(0);

    // Each install stored exactly once; the newest tokens win
    expect(await store.get(a.memberId)).toMatchObject({ state: 'active', access_token: a2.accessToken, refresh_token: a2.refreshToken, event_ts: now - 30, version: 2 });
    expect(await store.get(b1.memberId)).toMatchObject({ state: 'active', access_token: b2.accessToken, refresh_token: b2.refreshToken, event_ts: now - 20, version: 2 });
    expect(await store.get(c.memberId)).toMatchObject({ state: 'active', access_token: c.accessToken, refresh_token: c.refreshToken });
    expect(await store.get(d.memberId)).toMatchObject({ state: 'active', access_token: d.accessToken, event_ts: now - 10, version: 1 });
    const outcomes = replayed.stdout.split('\n').filter((line) => line.includes(b1.memberId)).map((line) => line.trim().split(/\s+/).at(-1));
    expect(outcomes).toEqual(['installed', 'duplicate', 'installed']);

    // A second replay changes nothing: the spool is empty, and the same events once more (as SQS redelivers) are duplicates or stale
    const stored = await Promise.all([a, b1, c, d].map((p) => store.get(p.memberId)));
    expect((await replaySpool(receiverDeps(s.config), s.captureDir)).results).toEqual([]);
    const again = await replayFunction(sqsEventFromSpool(backup));
    expect(again.batchItemFailures).toEqual([]);
    expect(await Promise.all([a, b1, c, d].map((p) => store.get(p.memberId)))).toEqual(stored);
  });

  test('an uninstall during the outage is captured unverified and proven at replay by the stored application_token', async () => {
    const s: TestStack = stack();
    const { emulator, store } = s;
    const portal = emulator.installPortal();
    await s.postForm(EVENTS, emulator.installEvent(portal, { ts: 8_000_000 }));
    await s.dynamo.stop();
    emulator.uninstallPortal(portal.memberId); // Bitrix24 uninstalls first, then tells us
    const answer = await s.postForm(EVENTS, emulator.uninstallEvent(portal, { ts: 8_000_100 }));
    await s.dynamo.start();
    expect([answer.status, answer.json.outcome]).toEqual([202, 'captured']);
    const report = await replaySpool(receiverDeps(s.config), s.captureDir);
    expect(report.results.map((r) => [r.event, r.status, r.outcome])).toEqual([['ONAPPUNINSTALL', 'applied', 'uninstalled']]);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'uninstalled', event_ts: 8_000_100 });
  });

  test('replay applies each portal’s events in ts order, whatever order they were captured in', async () => {
    // Prepare: an install and the uninstall that undoes it, captured in reverse order
    const s: TestStack = stack();
    const { emulator, store } = s;
    const portal = emulator.installPortal();
    const dir = join(scratch, 'reversed');
    const capture = createSpoolCapture(dir);
    const install = eventDelivery(emulator.installEvent(portal, { ts: 7_000_000 }));
    const uninstall = eventDelivery(emulator.uninstallEvent(portal, { ts: 7_000_100 }));
    await capture.put(capturedEvent(uninstall, { kind: 'unverified', reason: 'test' }, 1_000));
    await capture.put(capturedEvent(install, { kind: 'verified', by: 'oauth_server' }, 2_000));
    emulator.uninstallPortal(portal.memberId); // so the OAuth server confirms the uninstall at replay
    // Act
    const report = await replaySpool(receiverDeps(s.config), dir);
    // Assess
    expect(report.results.map((r) => [r.event, r.status, r.outcome])).toEqual([
      ['ONAPPINSTALL', 'applied', 'installed'],
      ['ONAPPUNINSTALL', 'applied', 'uninstalled'],
    ]);
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'uninstalled', event_ts: 7_000_100 });
  });

  test('a forged capture is rejected and removed; a file that is not a capture is reported and left in place', async () => {
    const s: TestStack = stack();
    const dir = join(scratch, 'forged');
    const { emulator, store } = s;
    const portal = emulator.installPortal();
    const forged = eventDelivery(emulator.installEvent(portal));
    emulator.uninstallPortal(portal.memberId); // app.info now refuses the token
    await createSpoolCapture(dir).put(capturedEvent(forged, { kind: 'unverified', reason: 'test' }, 3_000));
    writeFileSync(join(dir, '000000000000001-not-a-capture.json'), '{"hello":');
    const report = await replaySpool(receiverDeps(s.config), dir);
    expect(report.results.map((r) => r.status)).toEqual(['rejected']);
    expect(report.unreadable).toEqual(['000000000000001-not-a-capture.json']);
    expect(spoolFiles(dir)).toEqual(['000000000000001-not-a-capture.json']);
    expect(await store.get(portal.memberId)).toBeUndefined();
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function loudLines(memberId: string): string[] {
  return capturedLines().filter((line) => line.includes('"level":"ERROR"') && line.includes('DURABLE CAPTURE FAILED') && line.includes(memberId));
}

describe.each([
  ['the spool directory cannot be written', async () => ({ captureDir: join(writeBlocker(), 'capture') })],
  ['the capture queue refuses connections', async () => ({ env: { CAPTURE_QUEUE_URL: `http://127.0.0.1:${await closedPort()}/000000000000/b24-capture.fifo`, CAPTURE_TIMEOUT_MS: '500' } })],
])('when DynamoDB is down and %s', (_, options) => {
  // Filled before the stack starts: useTestStack's beforeAll runs after this one.
  const stackOptions: { captureDir?: string; env?: Record<string, string> } = {};
  beforeAll(async () => Object.assign(stackOptions, await options()));
  const stack = useTestStack(stackOptions);

  test('an install is answered 503 and the log says loudly that it was not kept', async () => {
    const s = stack();
    await s.dynamo.stop();
    const portal = s.emulator.installPortal();
    const response = await s.postForm(EVENTS, s.emulator.installEvent(portal));
    expect(response.status).toBe(503);
    expect(response.json).toMatchObject({ error: 'storage_unavailable' });
    expect(loudLines(portal.memberId)).toHaveLength(1);

    const page = await s.postInstallPage(s.emulator.installPage(portal));
    expect(page.status).toBe(503);
    expect(page.text).toContain('Nothing was stored');
    expect(page.text).not.toContain('installFinish');
    expect(loudLines(portal.memberId)).toHaveLength(2);
  });
});

function writeBlocker(): string {
  const file = join(scratch, `not-a-directory-${Date.now()}`);
  writeFileSync(file, 'a file where the spool directory should be');
  return file;
}
