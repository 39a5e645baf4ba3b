import type { Installation } from '../../lib/installation';
import { applyRefreshedTokens, markNeedsReinstall, markUninstalled } from '../../lib/refresh-transitions';
import { expiresAtFrom } from '../../lib/token-expiry';

/** What a refresh's answer does to the stored item: only ever to the item that still holds the refresh token used. */
function active(overrides: Partial<Installation> = {}): Installation {
  return {
    member_id: 'm1',
    state: 'active',
    version: 7,
    domain: 'p.bitrix24.test',
    client_endpoint: 'https://p.bitrix24.test/rest/',
    server_endpoint: 'https://oauth.bitrix.info/rest/',
    access_token: 'access-old-000',
    refresh_token: 'refresh-old-000',
    expires_at: 1_000,
    scope: 'crm',
    application_token_sha256: 'ab'.repeat(32),
    event_ts: 500,
    tokens_issued_at: 500,
    updated_at: 500,
    ...overrides,
  };
}

const TOKENS = { access_token: 'access-new-111', refresh_token: 'refresh-new-111', expires: 5_590, expires_in: 3600, scope: 'crm,im' };

describe('applyRefreshedTokens', () => {
  test('stores the new pair, bumps the version and records the refresh time as the tokens\' issue time', () => {
    const next = applyRefreshedTokens(active(), 'refresh-old-000', TOKENS, 2_000);
    expect(next).toMatchObject({ state: 'active', version: 8, access_token: 'access-new-111', refresh_token: 'refresh-new-111', expires_at: 5_590, tokens_issued_at: 2_000, updated_at: 2_000, scope: 'crm,im' });
    expect(next?.application_token_sha256).toBe('ab'.repeat(32));
  });

  test('does nothing when another writer has already replaced the refresh token (its tokens are newer)', () => {
    expect(applyRefreshedTokens(active({ refresh_token: 'someone-elses' }), 'refresh-old-000', TOKENS, 2_000)).toBeUndefined();
  });

  test('does nothing to an uninstalled item (its tokens are erased)', () => {
    const uninstalled = active({ state: 'uninstalled' });
    delete uninstalled.refresh_token;
    expect(applyRefreshedTokens(uninstalled, 'refresh-old-000', TOKENS, 2_000)).toBeUndefined();
  });

  test('heals a needs_reinstall that a losing racer wrote for the very refresh token we just refreshed', () => {
    const next = applyRefreshedTokens(active({ state: 'needs_reinstall' }), 'refresh-old-000', TOKENS, 2_000);
    expect(next).toMatchObject({ state: 'active', refresh_token: 'refresh-new-111' });
  });
});

describe('expiresAtFrom', () => {
  test('prefers the absolute `expires`', () => expect(expiresAtFrom({ expires: 1_700_003_590, expires_in: 3600 }, 1_700_000_000)).toBe(1_700_003_590));
  test('does not believe an `expires` years away (a token is not valid until 2083)', () =>
    expect(expiresAtFrom({ expires: 3_500_000_000, expires_in: 3600 }, 1_700_000_000)).toBe(1_700_003_600));
  test('counts `expires_in` from now when `expires` is missing', () => expect(expiresAtFrom({ expires_in: 3600 }, 1_700_000_000)).toBe(1_700_003_600));
  test('treats a small `expires` as the lifetime mix-up it is', () => expect(expiresAtFrom({ expires: 3600 }, 1_700_000_000)).toBe(1_700_003_600));
  test('assumes an hour when the answer says nothing', () => expect(expiresAtFrom({}, 1_700_000_000)).toBe(1_700_003_600));
});

describe('markNeedsReinstall and markUninstalled', () => {
  test('needs_reinstall keeps the dead tokens for the record and applies only to the refresh token that was refused', () => {
    expect(markNeedsReinstall(active(), 'refresh-old-000', 3_000)).toMatchObject({ state: 'needs_reinstall', version: 8, refresh_token: 'refresh-old-000' });
    expect(markNeedsReinstall(active(), 'another', 3_000)).toBeUndefined();
  });

  test('NOT_INSTALLED erases the tokens like an uninstall but leaves event_ts for a late ONAPPUNINSTALL', () => {
    const next = markUninstalled(active(), 'refresh-old-000', 3_000);
    expect(next).toMatchObject({ state: 'uninstalled', version: 8, uninstalled_at: 3_000, event_ts: 500 });
    expect(next?.access_token).toBeUndefined();
    expect(next?.refresh_token).toBeUndefined();
    expect(next?.expires_at).toBeUndefined();
  });
});
