import { loadConfig } from '../../lib/config';
import { MisconfiguredError } from '../../lib/errors';
import { allowedOauthOrigin, DEFAULT_OAUTH_SERVERS, parseOauthServerOrigin } from '../../lib/oauth-servers';

const BASE = { INSTALLATIONS_TABLE: 't', BITRIX24_CLIENT_ID: 'app.1' };

describe('configuration', () => {
  test('defaults: the two Bitrix24 OAuth servers and short time limits', () => {
    const config = loadConfig(BASE);
    expect([...config.BITRIX24_OAUTH_SERVERS]).toEqual(DEFAULT_OAUTH_SERVERS);
    expect(config.OAUTH_TIMEOUT_MS).toBe(2000);
    expect(config.DYNAMODB_TIMEOUT_MS).toBe(1000);
  });

  test('every missing key is reported at once, by name', () => {
    expect(() => loadConfig({})).toThrow(new MisconfiguredError('Missing or invalid configuration: INSTALLATIONS_TABLE, BITRIX24_CLIENT_ID'));
  });

  test('a plain-http OAuth server is refused unless it is loopback', () => {
    expect(() => loadConfig({ ...BASE, BITRIX24_OAUTH_SERVERS: 'http://oauth.bitrix.info' })).toThrow(/BITRIX24_OAUTH_SERVERS/);
    expect([...loadConfig({ ...BASE, BITRIX24_OAUTH_SERVERS: 'http://127.0.0.1:8100' }).BITRIX24_OAUTH_SERVERS]).toEqual(['http://127.0.0.1:8100']);
  });

  test('a nonsensical timeout is refused', () => {
    expect(() => loadConfig({ ...BASE, OAUTH_TIMEOUT_MS: 'soon' })).toThrow(/OAUTH_TIMEOUT_MS/);
  });
});

describe('OAuth-server allowlist', () => {
  const allowed = new Set(DEFAULT_OAUTH_SERVERS);

  test.each([
    ['https://oauth.bitrix.info/rest/', 'https://oauth.bitrix.info'],
    ['https://oauth.bitrix24.tech/rest/', 'https://oauth.bitrix24.tech'],
    ['HTTPS://OAUTH.BITRIX.INFO/rest/', 'https://oauth.bitrix.info'],
    ['https://oauth.bitrix.info:443/rest/', 'https://oauth.bitrix.info'],
  ])('%s is allowed as %s', (endpoint, origin) => {
    expect(allowedOauthOrigin(endpoint, allowed)).toBe(origin);
  });

  test.each([
    'https://oauth.bitrix.info@evil.example/rest/',
    'https://oauth.bitrix.info.evil.example/rest/',
    'https://evil.example/oauth.bitrix.info/rest/',
    'http://oauth.bitrix.info/rest/',
    'https://oauth.bitrix.info:8443/rest/',
    'https://user:pw@oauth.bitrix.info/rest/',
    'not a url',
  ])('%s is not allowed', (endpoint) => {
    expect(allowedOauthOrigin(endpoint, allowed)).toBeUndefined();
  });

  test('entries parse to origins; credentials and non-loopback http are refused', () => {
    expect(parseOauthServerOrigin(' https://oauth.bitrix.info/ ')).toBe('https://oauth.bitrix.info');
    expect(parseOauthServerOrigin('https://a:b@oauth.bitrix.info')).toBeUndefined();
    expect(parseOauthServerOrigin('http://localhost:9')).toBe('http://localhost:9');
    expect(parseOauthServerOrigin('http://10.0.0.1')).toBeUndefined();
  });
});
