import { phpFormBody } from '../../local/oauth-emulator';
import { REAL_CRM_EVENT_BODY } from '../fixtures/bitrix24-examples';
import { useTestStack } from '../support/stack';

/** Bad input gets a clear 4xx naming what is wrong, and changes nothing stored. Never a 500. */
const stack = useTestStack();
const EVENTS = '/bitrix24/events';

async function installedPortal() {
  const { emulator, store } = stack();
  const portal = emulator.installPortal();
  await stack().postForm(EVENTS, emulator.installEvent(portal, { ts: 1_700_000_000 }));
  return { portal, before: await store.get(portal.memberId) };
}

/** A newer install of the same portal, tampered with by `tamper`. */
function newerEvent(portal: Parameters<ReturnType<typeof stack>['emulator']['installEvent']>[0]) {
  return stack().emulator.installEvent(portal, { ts: 1_800_000_000 }) as Record<string, unknown> & { auth: Record<string, string> };
}

describe('bad input changes nothing and says what is wrong', () => {
  test.each([
    ['missing content type', undefined, 415, 'unsupported_media_type'],
    ['JSON content type', 'application/json', 415, 'unsupported_media_type'],
    ['multipart content type', 'multipart/form-data; boundary=x', 415, 'unsupported_media_type'],
  ])('%s', async (_name, contentType, status, error) => {
    const { portal, before } = await installedPortal();
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    const response = await stack().request(EVENTS, { method: 'POST', headers, body: phpFormBody(newerEvent(portal)) });
    expect(response.status).toBe(status);
    expect(response.json.error).toBe(error);
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test('an oversized body is 413', async () => {
    const { portal, before } = await installedPortal();
    const event = newerEvent(portal);
    (event as Record<string, unknown>).padding = 'x'.repeat(17 * 1024);
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(413);
    expect(response.json.error).toBe('payload_too_large');
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test.each([
    ['an empty body', ''],
    ['a JSON body sent as a form', JSON.stringify({ event: 'ONAPPINSTALL' })],
    ['random bytes', '\u0000\u00ff%%%=&&=='],
  ])('%s is 400 invalid_payload', async (_name, body) => {
    const response = await stack().postForm(EVENTS, body);
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('invalid_payload');
  });

  test('nesting too deep is 400 and names the limit', async () => {
    const { portal, before } = await installedPortal();
    const body = `${phpFormBody(newerEvent(portal))}&data%5Ba%5D%5Bb%5D%5Bc%5D%5Bd%5D=1`;
    const response = await stack().postForm(EVENTS, body);
    expect(response.status).toBe(400);
    expect(response.json.message).toMatch(/depth/);
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test('too many parameters is 400', async () => {
    const { portal, before } = await installedPortal();
    const extra = Array.from({ length: 200 }, (_, i) => `x${i}=1`).join('&');
    const response = await stack().postForm(EVENTS, `${phpFormBody(newerEvent(portal))}&${extra}`);
    expect(response.status).toBe(400);
    expect(response.json.message).toMatch(/[Pp]arameter limit/);
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test('__proto__ and constructor keys are dropped; the install is then judged on its real fields', async () => {
    const { portal, before } = await installedPortal();
    const body = `__proto__%5Bstate%5D=active&constructor%5Bprototype%5D%5Bstate%5D=x&${phpFormBody({ ...newerEvent(portal), auth: undefined })}&auth%5B__proto__%5D%5Bmember_id%5D=${portal.memberId}`;
    const response = await stack().postForm(EVENTS, body);
    expect(response.status).toBe(400);
    expect(response.json.fields).toEqual(['auth']);
    expect(({} as Record<string, unknown>).state).toBeUndefined();
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test.each(['access_token', 'refresh_token', 'expires_in', 'domain', 'server_endpoint', 'client_endpoint', 'member_id', 'application_token'])(
    'auth[%s] missing is 400 naming it',
    async (field) => {
      const { portal, before } = await installedPortal();
      const event = newerEvent(portal);
      delete event.auth[field];
      const response = await stack().postForm(EVENTS, event);
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ error: 'invalid_payload', fields: [`auth.${field}`] });
      expect(response.text).not.toContain(portal.accessToken);
      expect(await stack().store.get(portal.memberId)).toEqual(before);
    },
  );

  test.each(['event', 'ts'])('%s missing is 400 naming it', async (field) => {
    const { portal, before } = await installedPortal();
    const event = newerEvent(portal);
    delete event[field];
    const response = await stack().postForm(EVENTS, event);
    expect(response.status).toBe(400);
    expect(response.json.fields).toEqual([field]);
    expect(await stack().store.get(portal.memberId)).toEqual(before);
  });

  test('the live CRM event of BITRIX24.md is 400 unsupported_event', async () => {
    const response = await stack().postForm(EVENTS, REAL_CRM_EVENT_BODY);
    expect(response.status).toBe(400);
    expect(response.json.error).toBe('unsupported_event');
  });

  test('GET is 405 with an Allow header', async () => {
    const response = await stack().request(EVENTS);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  test('an unknown path is 404', async () => {
    const response = await stack().request('/nowhere');
    expect(response.status).toBe(404);
  });
});
