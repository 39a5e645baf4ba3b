import { applyVerifiedGrant } from '../../lib/install-transitions';
import type { Grant, Installation } from '../../lib/installation';

/** The state machine's rules for the two-step install (install page and ONAPPINSTALL racing). */
const NOW = 1_800_000_000;

function grant(overrides: Partial<Grant>): Grant {
  return {
    source: 'ONAPPINSTALL',
    member_id: 'a223c6b3710f85df22e9377d6c4f7553',
    ts: 1_000,
    domain: 'portal.bitrix24.com',
    client_endpoint: 'https://portal.bitrix24.com/rest/',
    server_endpoint: 'https://oauth.bitrix.info/rest/',
    access_token: 'access-from-grant',
    refresh_token: 'refresh-from-grant',
    expires_at: 4_600,
    scope: 'crm',
    ...overrides,
  };
}

function active(overrides: Partial<Installation>): Installation {
  return {
    member_id: 'a223c6b3710f85df22e9377d6c4f7553',
    state: 'active',
    version: 3,
    domain: 'portal.bitrix24.com',
    client_endpoint: 'https://portal.bitrix24.com/rest/',
    server_endpoint: 'https://oauth.bitrix.info/rest/',
    access_token: 'stored-access',
    refresh_token: 'stored-refresh',
    expires_at: 5_000,
    scope: 'crm',
    event_ts: 2_000,
    tokens_issued_at: 2_000,
    updated_at: 2_000,
    ...overrides,
  };
}

describe('two-step install rules', () => {
  test('the install page never replaces a stored application_token (every user’s browser sees the page)', () => {
    const { outcome, next } = applyVerifiedGrant(active({ application_token_sha256: 'from-event' }), grant({ source: 'INSTALL_PAGE', ts: 3_000, application_token_sha256: 'from-page' }), NOW);
    expect(outcome).toBe('installed');
    expect(next).toMatchObject({ access_token: 'access-from-grant', application_token_sha256: 'from-event' });
  });

  test('the install page supplies the application_token of a reinstall after an uninstall', () => {
    const existing = active({ state: 'uninstalled', application_token_sha256: 'old', access_token: undefined, refresh_token: undefined });
    const { next } = applyVerifiedGrant(existing, grant({ source: 'INSTALL_PAGE', ts: 3_000, application_token_sha256: 'from-page' }), NOW);
    expect(next).toMatchObject({ state: 'active', application_token_sha256: 'from-page' });
  });

  test('an older verified ONAPPINSTALL fills a missing application_token and changes nothing else', () => {
    const existing = active({});
    const { outcome, next } = applyVerifiedGrant(existing, grant({ ts: 1_500, application_token_sha256: 'from-event' }), NOW);
    expect(outcome).toBe('application_token_updated');
    expect(next).toEqual({ ...existing, version: 4, application_token_sha256: 'from-event', updated_at: NOW });
  });

  test('an older verified ONAPPINSTALL is stale when the application_token is already known', () => {
    const { outcome, next } = applyVerifiedGrant(active({ application_token_sha256: 'known' }), grant({ ts: 1_500, application_token_sha256: 'other' }), NOW);
    expect(outcome).toBe('stale');
    expect(next).toBeUndefined();
  });

  test('an older event does not revive an uninstalled portal’s application_token', () => {
    const existing = active({ state: 'uninstalled', access_token: undefined, refresh_token: undefined });
    expect(applyVerifiedGrant(existing, grant({ ts: 1_500, application_token_sha256: 'x' }), NOW).outcome).toBe('stale');
  });
});
