import fc from 'fast-check';
import { InvalidPayloadError } from '../../lib/errors';
import { installPageGrant, parseInstallPagePost } from '../../lib/install-page';
import { sha256Hex } from '../../lib/secret-hash';

/** The install page POST: fields from the query string and the body, as seen in apidocs and the seed page. */
const TOKEN = '4172bb6600705a0700005a4b00000001f0f107c42ca5bd5f61030c5d9c3e4d60d11b5a';
const REFRESH = '31f1e26600705a0700005a4b00000001f0f107b1918506d8a2ed9ecf76e8fdac962471';

function apidocsPage() {
  return {
    query: { DOMAIN: 'xxx.bitrix24.com', PROTOCOL: '1', LANG: 'en', APP_SID: '588b8a98e848778a4ffb38fbcf70f2b9' },
    body: {
      AUTH_ID: TOKEN,
      AUTH_EXPIRES: '3600',
      REFRESH_ID: REFRESH,
      SERVER_ENDPOINT: 'https://oauth.bitrix.info/rest/',
      APPLICATION_TOKEN: 'ec1b2074a9d3f5c81b6e40d27a95cf38',
      APPLICATION_SCOPE: 'crm,placement',
      member_id: 'da45a03b265edd8787f8a258d793cc5d',
      status: 'L',
      PLACEMENT: 'DEFAULT',
      PLACEMENT_OPTIONS: '{"ID":"19"}',
    },
  };
}

describe('parseInstallPagePost', () => {
  test('reads DOMAIN from the query string and the tokens from the body', () => {
    const { query, body } = apidocsPage();
    const page = parseInstallPagePost(query, body);
    expect(page).toMatchObject({ DOMAIN: 'xxx.bitrix24.com', AUTH_ID: TOKEN, AUTH_EXPIRES: 3600, member_id: 'da45a03b265edd8787f8a258d793cc5d' });
  });

  test('the seed page’s minimal POST (no SERVER_ENDPOINT, APPLICATION_TOKEN, PLACEMENT) is valid', () => {
    const page = parseInstallPagePost(
      {},
      {
        DOMAIN: 'portal.bitrix24.com',
        PROTOCOL: '1',
        LANG: 'ru',
        APP_SID: 'dd8cec11e347088fe87c44870a9f1dba',
        AUTH_ID: 'ahodg4h37n89vo17gbkgq0x1l825nnb5',
        AUTH_EXPIRES: '3600',
        REFRESH_ID: '2lg086mxijlpvwh0h7r4nl19udm4try5',
        member_id: 'a223c6b3710f85df22e9377d6c4f7553',
        status: 'P',
      },
    );
    expect(page.SERVER_ENDPOINT).toBeUndefined();
    expect(page.APPLICATION_TOKEN).toBeUndefined();
  });

  test('the body wins over the query string, and an empty value counts as absent', () => {
    const { query, body } = apidocsPage();
    const page = parseInstallPagePost({ ...query, member_id: 'ffffffffffffffffffffffffffffffff', status: 'F' }, { ...body, status: '' });
    expect(page.member_id).toBe('da45a03b265edd8787f8a258d793cc5d');
    expect(page.status).toBe('F');
  });

  test('missing and malformed fields are named, never their values', () => {
    const { query, body } = apidocsPage();
    const { AUTH_ID: _, ...withoutAuth } = body;
    const error = (() => {
      try {
        parseInstallPagePost({ ...query, PROTOCOL: '7' }, { ...withoutAuth, AUTH_EXPIRES: '1727022526000' });
      } catch (thrown) {
        return thrown as InvalidPayloadError;
      }
      throw new Error('expected a failure');
    })();
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect([...error.fields].sort()).toEqual(['AUTH_EXPIRES', 'AUTH_ID', 'PROTOCOL']);
    expect(error.message).not.toContain('1727022526000');
  });

  test('never throws anything but invalid_payload, whatever the fields (fuzz)', () => {
    const value = fc.oneof(fc.string(), fc.constantFrom('', 'undefined', '3600', TOKEN, 'xxx.bitrix24.com'), fc.dictionary(fc.string(), fc.string()));
    const fields = fc.dictionary(fc.constantFrom('AUTH_ID', 'AUTH_EXPIRES', 'REFRESH_ID', 'DOMAIN', 'member_id', 'PROTOCOL', 'PLACEMENT_OPTIONS', 'SERVER_ENDPOINT', 'x'), value);
    fc.assert(
      fc.property(fields, fields, (query, body) => {
        try {
          parseInstallPagePost(query, body);
        } catch (error) {
          if (!(error instanceof InvalidPayloadError)) throw error;
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('installPageGrant', () => {
  test('ts is the receipt time and expires_at is receipt + AUTH_EXPIRES (a lifetime, not an absolute time)', () => {
    const { query, body } = apidocsPage();
    const grant = installPageGrant(parseInstallPagePost(query, body), 1_727_018_926_500, 'https://oauth.bitrix.info');
    expect(grant).toMatchObject({
      source: 'INSTALL_PAGE',
      ts: 1_727_018_926,
      expires_at: 1_727_018_926 + 3600,
      access_token: TOKEN,
      refresh_token: REFRESH,
      server_endpoint: 'https://oauth.bitrix.info/rest/',
      client_endpoint: 'https://xxx.bitrix24.com/rest/',
      scope: 'crm,placement',
      status: 'L',
      application_token_sha256: sha256Hex('ec1b2074a9d3f5c81b6e40d27a95cf38'),
    });
  });

  test('without SERVER_ENDPOINT the first allowed OAuth server is asked; PROTOCOL 0 is plain http', () => {
    const { query, body } = apidocsPage();
    const { SERVER_ENDPOINT: _, ...withoutServer } = body;
    const grant = installPageGrant(parseInstallPagePost({ ...query, PROTOCOL: '0' }, withoutServer), 0, 'https://oauth.bitrix24.tech');
    expect(grant.server_endpoint).toBe('https://oauth.bitrix24.tech/rest/');
    expect(grant.client_endpoint).toBe('http://xxx.bitrix24.com/rest/');
  });
});
