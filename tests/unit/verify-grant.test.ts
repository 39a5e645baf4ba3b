import { VerificationError } from '../../lib/errors';
import type { Grant } from '../../lib/installation';
import type { AppInfo, OAuthClient, OAuthResult, TokenResponse } from '../../lib/oauth-client';
import { verifyByRefresh } from '../../lib/verify-by-refresh';
import { verifyWithOAuthServer } from '../../lib/verify-grant';

/** What the OAuth server leaves out is never filled in from the payload, which a forger controls. */
const grant: Grant = {
  source: 'ONAPPINSTALL',
  member_id: 'm1',
  ts: 1000,
  domain: 'a.bitrix24.com',
  client_endpoint: 'https://evil.example/rest/',
  server_endpoint: 'https://oauth.bitrix.info/rest/',
  access_token: 'access-token-1',
  refresh_token: 'refresh-token-1',
  expires_at: 4600,
  scope: 'crm',
};

function oauth(appInfo: OAuthResult<AppInfo>, refresh: OAuthResult<TokenResponse> = { kind: 'unavailable', reason: 'unused' }): OAuthClient {
  return { appInfo: async () => appInfo, refresh: async () => refresh };
}

const deps = (client: OAuthClient) => ({ oauth: client, clientId: 'app.1', allowedOauthServers: new Set(['https://oauth.bitrix.info']) });

test('app.info without client_endpoint: a payload endpoint off the vouched-for portal is refused', async () => {
  const client = oauth({ kind: 'ok', value: { client_id: 'app.1', install: { member_id: 'm1', domain: 'a.bitrix24.com' } } });
  await expect(verifyWithOAuthServer(deps(client), 'https://oauth.bitrix.info', grant)).rejects.toBeInstanceOf(VerificationError);
  const onPortal = { ...grant, client_endpoint: 'https://a.bitrix24.com/rest/' };
  await expect(verifyWithOAuthServer(deps(client), 'https://oauth.bitrix.info', onPortal)).resolves.toMatchObject({ kind: 'verified' });
});

test('a refresh answer that names no portal proves nothing', async () => {
  const client = oauth({ kind: 'unavailable', reason: 'unused' }, { kind: 'ok', value: { access_token: 'new-access', refresh_token: 'new-refresh', expires_in: 3600 } });
  const proof = await verifyByRefresh({ ...deps(client), clientSecret: async () => 'secret', nowMs: () => 5_000_000, log: { error: () => undefined } }, 'https://oauth.bitrix.info', grant);
  expect(proof).toEqual({ kind: 'refused' });
});
