import { InvalidPayloadError, ReceiverError } from '../../lib/errors';
import { parseLifecycleEvent } from '../../lib/schemas';
import { docsInstallEvent, realInstallEvent } from '../fixtures/bitrix24-examples';

const SERVER = 'https://oauth.bitrix.info/rest/';

function failure(fields: Record<string, unknown>): ReceiverError {
  try {
    parseLifecycleEvent(fields);
  } catch (error) {
    if (error instanceof ReceiverError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

function without(event: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = structuredClone(event);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[path[path.length - 1]!];
  return copy;
}

describe('lifecycle event schemas', () => {
  test('the live install payload parses into numbers and a lowercase domain', () => {
    const event = realInstallEvent(SERVER);
    event.auth.domain = 'Example.Bitrix24.COM';
    const parsed = parseLifecycleEvent(event);
    expect(parsed).toMatchObject({ event: 'ONAPPINSTALL', ts: 1727018926, event_handler_id: 58 });
    if (parsed.event === 'ONAPPUNINSTALL') throw new Error('wrong event');
    expect(parsed.auth).toMatchObject({ expires: 1727022526, expires_in: 3600, user_id: 1, domain: 'example.bitrix24.com', status: 'L' });
  });

  test('the docs payload without expires, user_id, ACTIVE, INSTALLED and event_handler_id parses', () => {
    const parsed = parseLifecycleEvent(docsInstallEvent(SERVER));
    if (parsed.event === 'ONAPPUNINSTALL') throw new Error('wrong event');
    expect(parsed.auth.expires).toBeUndefined();
    expect(parsed.auth.user_id).toBeUndefined();
    expect(parsed.event_handler_id).toBeUndefined();
  });

  test('an unknown status code is data, not an error', () => {
    const event = docsInstallEvent(SERVER);
    event.auth.status = 'Z';
    expect(() => parseLifecycleEvent(event)).not.toThrow();
  });

  test('long tokens (live portals send ~70 characters and more) are accepted', () => {
    const event = docsInstallEvent(SERVER);
    event.auth.access_token = 'a'.repeat(300);
    expect(() => parseLifecycleEvent(event)).not.toThrow();
  });

  test('the event name is matched case-insensitively', () => {
    expect(parseLifecycleEvent({ ...docsInstallEvent(SERVER), event: 'onAppInstall' }).event).toBe('ONAPPINSTALL');
  });

  test('another event is unsupported_event, naming the supported ones', () => {
    const error = failure({ ...docsInstallEvent(SERVER), event: 'ONCRMCONTACTADD' });
    expect(error.code).toBe('unsupported_event');
    expect(error.toJSON()).toMatchObject({ supported: ['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'] });
  });

  const required = [
    ['event'],
    ['ts'],
    ['auth'],
    ['auth', 'access_token'],
    ['auth', 'refresh_token'],
    ['auth', 'expires_in'],
    ['auth', 'domain'],
    ['auth', 'server_endpoint'],
    ['auth', 'client_endpoint'],
    ['auth', 'member_id'],
    ['auth', 'application_token'],
  ];
  test.each(required)('a missing %s is invalid_payload naming that field', (...path) => {
    const error = failure(without(docsInstallEvent(SERVER), path));
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect((error as InvalidPayloadError).fields).toContain(path.join('.'));
  });

  test.each([
    ['ts', 'yesterday'],
    ['auth.expires_in', '-5'],
    ['auth.expires_in', '0'],
    ['auth.member_id', '../../etc'],
    ['auth.domain', 'evil.example/path'],
    ['auth.client_endpoint', 'javascript:alert(1)'],
    ['auth.server_endpoint', 'https://user:pass@oauth.bitrix.info/rest/'],
    ['auth.access_token', 'short'],
    ['auth.access_token', 'has spaces in it'],
  ])('a bad %s is refused, and the error carries the field name but never the value', (path, value) => {
    const event = docsInstallEvent(SERVER) as unknown as Record<string, Record<string, unknown>>;
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail) event[head]![tail] = value;
    else (event as Record<string, unknown>)[head] = value;
    const error = failure(event);
    expect(error.code).toBe('invalid_payload');
    expect((error as InvalidPayloadError).fields).toEqual([path]);
    expect(JSON.stringify(error.toJSON())).not.toContain(value);
  });

  test('a repeated scalar key (arrives as an array) is refused', () => {
    const error = failure({ ...docsInstallEvent(SERVER), ts: ['1', '2'] });
    expect((error as InvalidPayloadError).fields).toEqual(['ts']);
  });

  test('ONAPPUNINSTALL needs no tokens', () => {
    const parsed = parseLifecycleEvent({
      event: 'ONAPPUNINSTALL',
      data: { LANGUAGE_ID: 'ru', CLEAN: '1' },
      ts: '1700000000',
      auth: { domain: 'x.bitrix24.ru', member_id: 'abc123', application_token: '51856fefc120afa4b628cc82d3935cce' },
    });
    expect(parsed.event).toBe('ONAPPUNINSTALL');
  });
});
