import { createEventsHandler } from '../../handlers/events';
import { loadConfig } from '../../lib/config';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureDeps } from '../../lib/capture/capture-deps';
import { receiverDeps } from '../../lib/receiver-deps';
import { httpApiEvent } from '../../local/http-api-event';
import { phpFormBody } from '../../local/oauth-emulator';
import { closedPort, silentPeer } from '../support/peers';
import { useTestStack } from '../support/stack';

/** When a peer is down or silent the receiver still answers quickly and never loses a genuine install. */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';

afterEach(() => stack().emulator.failAlways(undefined));

describe('OAuth server unavailable', () => {
  test.each([
    ['answering 503', { kind: 'status', status: 503 } as const],
    ['answering 429', { kind: 'status', status: 429, body: { error: 'QUERY_LIMIT_EXCEEDED' } } as const],
    ['dropping the connection', { kind: 'reset' } as const],
    ['accepting and never answering (timeout)', { kind: 'hang' } as const],
  ])('%s: a new install is kept as pending_verification and answered 202', async (_name, fault) => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    emulator.failAlways(fault);
    const response = await stack().postForm(EVENTS, emulator.installEvent(portal));
    expect(response.status).toBe(202);
    expect(response.json.outcome).toBe('pending');
    const item = await store.get(portal.memberId);
    expect(item?.state).toBe('pending_verification');
    expect(item?.access_token).toBeUndefined();
    expect(item?.pending?.[0]).toMatchObject({ access_token: portal.accessToken, refresh_token: portal.refreshToken });
  });

  test('a refusal (401) is not unavailability: 403 and nothing stored', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    emulator.failAlways({ kind: 'status', status: 401, body: { error: 'invalid_token' } });
    const response = await stack().postForm(EVENTS, emulator.installEvent(portal));
    expect(response.status).toBe(403);
    expect(await store.get(portal.memberId)).toBeUndefined();
  });

  test('a pending install never displaces an active one, and is promoted once the OAuth server answers', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 1_700_000_000 }));
    const active = await store.get(portal.memberId);
    // the app was re-added: new credentials, so the stored application_token no longer vouches for it
    const readded = emulator.installPortal({ memberId: portal.memberId });
    readded.applicationToken = `${readded.applicationToken.slice(0, -4)}beef`;
    const event = emulator.installEvent(readded, { ts: 1_700_000_100 });

    emulator.failAlways({ kind: 'status', status: 502 });
    const pending = await stack().postForm(EVENTS, event);
    expect(pending.status).toBe(202);
    const beside = await store.get(portal.memberId);
    expect(beside).toMatchObject({ state: 'active', access_token: active?.access_token, refresh_token: active?.refresh_token, event_ts: 1_700_000_000 });
    expect(beside?.pending?.map((p) => p.access_token)).toEqual([readded.accessToken]);

    emulator.failAlways(undefined);
    const verified = await stack().postForm(EVENTS, event);
    expect(verified.status).toBe(200);
    const promoted = await store.get(portal.memberId);
    expect(promoted).toMatchObject({ state: 'active', access_token: readded.accessToken, event_ts: 1_700_000_100 });
    expect(promoted?.pending).toBeUndefined();
  });

  test('a verified install replaces pending-only data whatever its ts', async () => {
    const { emulator, store } = stack();
    const portal = emulator.installPortal();
    emulator.failAlways({ kind: 'status', status: 500 });
    await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 1_700_000_000 }));
    emulator.failAlways(undefined);
    const response = await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 1_700_000_000 }));
    expect(response.json.outcome).toBe('installed');
    expect(await store.get(portal.memberId)).toMatchObject({ state: 'active', access_token: portal.accessToken });
  });
});

describe('DynamoDB unavailable', () => {
  function handlerWith(env: Record<string, string>) {
    const config = loadConfig({ ...stack().env, DYNAMODB_TIMEOUT_MS: '300', ...env });
    return createEventsHandler(() => captureDeps(config, receiverDeps(config)));
  }

  function installRequest() {
    const { emulator } = stack();
    const portal = emulator.installPortal();
    const event = httpApiEvent({
      method: 'POST',
      url: EVENTS,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(phpFormBody(emulator.installEvent(portal))),
    });
    return { event, memberId: portal.memberId };
  }

  function capturedFiles(dir: string): string[] {
    return readdirSync(dir).filter((name) => name.endsWith('.json'));
  }

  test('refusing connections: the install is captured durably and answered 202', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b24-capture-test-'));
    const { event, memberId } = installRequest();
    const reply = await handlerWith({ AWS_ENDPOINT_URL_DYNAMODB: await closedPort(), CAPTURE_DIR: dir })(event);
    expect(reply.statusCode).toBe(202);
    expect(JSON.parse(reply.body)).toMatchObject({ outcome: 'captured', member_id: memberId });
    expect(capturedFiles(dir)).toHaveLength(1);
  });

  test('accepting and never answering: captured after the time limit, not a hang', async () => {
    const peer = await silentPeer();
    const dir = mkdtempSync(join(tmpdir(), 'b24-capture-test-'));
    try {
      const reply = await handlerWith({ AWS_ENDPOINT_URL_DYNAMODB: peer.url, CAPTURE_DIR: dir })(installRequest().event);
      expect(reply.statusCode).toBe(202);
      expect(capturedFiles(dir)).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });

  test('and the capture failing too: 503 storage_unavailable with Retry-After', async () => {
    const notADirectory = join(mkdtempSync(join(tmpdir(), 'b24-capture-test-')), 'file');
    writeFileSync(notADirectory, '');
    const reply = await handlerWith({ AWS_ENDPOINT_URL_DYNAMODB: await closedPort(), CAPTURE_DIR: notADirectory })(installRequest().event);
    expect(reply.statusCode).toBe(503);
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'storage_unavailable' });
    expect(reply.headers['retry-after']).toBe('5');
  });

  test('a table that does not exist (a deploy mistake) still loses nothing: the install is captured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b24-capture-test-'));
    const reply = await handlerWith({ INSTALLATIONS_TABLE: 'no-such-table', CAPTURE_DIR: dir })(installRequest().event);
    expect(reply.statusCode).toBe(202);
    expect(capturedFiles(dir)).toHaveLength(1);
  });
});
