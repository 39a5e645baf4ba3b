import { addPendingGrant, applyUninstall, applyVerifiedGrant, MAX_PENDING_GRANTS } from '../../lib/install-transitions';
import type { Grant, Installation } from '../../lib/installation';

const NOW = 1_800_000_000;

function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    source: 'ONAPPINSTALL',
    member_id: 'm1',
    ts: 1000,
    domain: 'a.bitrix24.com',
    client_endpoint: 'https://a.bitrix24.com/rest/',
    server_endpoint: 'https://oauth.bitrix.info/rest/',
    access_token: 'access-1000',
    refresh_token: 'refresh-1000',
    expires_at: 4600,
    scope: 'crm',
    application_token_sha256: 'hash-1',
    ...overrides,
  };
}

function installed(g: Grant = grant()): Installation {
  const next = applyVerifiedGrant(undefined, g, NOW).next;
  if (!next) throw new Error('expected an installation');
  return next;
}

describe('a verified grant', () => {
  test('creates an active installation with tokens issued at the event ts', () => {
    const { outcome, next } = applyVerifiedGrant(undefined, grant(), NOW);
    expect(outcome).toBe('installed');
    expect(next).toMatchObject({ state: 'active', version: 1, event_ts: 1000, tokens_issued_at: 1000, installed_at: NOW, access_token: 'access-1000' });
  });

  test('with an older ts changes nothing', () => {
    expect(applyVerifiedGrant(installed(grant({ ts: 2000 })), grant({ ts: 1000 }), NOW)).toEqual({ outcome: 'stale', next: undefined });
  });

  test('with the same ts is a duplicate', () => {
    expect(applyVerifiedGrant(installed(), grant(), NOW)).toEqual({ outcome: 'duplicate', next: undefined });
  });

  test('with a newer ts replaces tokens, bumps version and keeps installed_at', () => {
    const existing = { ...installed(), installed_at: 5 };
    const { next } = applyVerifiedGrant(existing, grant({ ts: 2000, access_token: 'access-2000', refresh_token: 'refresh-2000' }), NOW);
    expect(next).toMatchObject({ version: 2, access_token: 'access-2000', refresh_token: 'refresh-2000', event_ts: 2000, installed_at: 5 });
  });

  test('whose tokens predate our last refresh keeps our tokens and takes only its application_token', () => {
    const existing: Installation = { ...installed(), access_token: 'refreshed', refresh_token: 'refreshed-r', tokens_issued_at: 3000 };
    const { outcome, next } = applyVerifiedGrant(existing, grant({ ts: 2000, application_token_sha256: 'hash-2' }), NOW);
    expect(outcome).toBe('application_token_updated');
    expect(next).toMatchObject({ access_token: 'refreshed', refresh_token: 'refreshed-r', application_token_sha256: 'hash-2', event_ts: 2000 });
  });

  test('replaces pending-only data whatever its ts (a forged huge ts cannot block a genuine install)', () => {
    const pendingOnly = addPendingGrant(undefined, grant({ ts: 9_999_999_999, access_token: 'forged' }), NOW).next;
    const { outcome, next } = applyVerifiedGrant(pendingOnly, grant({ ts: 1000 }), NOW);
    expect(outcome).toBe('installed');
    expect(next).toMatchObject({ state: 'active', access_token: 'access-1000', version: 2 });
    // the forged candidate is newer, so it stays aside for the keep-alive to refuse
    expect(next?.pending?.map((p) => p.access_token)).toEqual(['forged']);
  });

  test('that was pending itself leaves no pending copy behind', () => {
    const pendingOnly = addPendingGrant(undefined, grant(), NOW).next;
    expect(applyVerifiedGrant(pendingOnly, grant(), NOW).next?.pending).toBeUndefined();
  });

  test('reactivates an uninstalled portal with a fresh installed_at', () => {
    const gone = applyUninstall(installed(), 1500, NOW).next!;
    const { next } = applyVerifiedGrant(gone, grant({ ts: 2000 }), NOW + 10);
    expect(next).toMatchObject({ state: 'active', installed_at: NOW + 10 });
    expect(next?.uninstalled_at).toBeUndefined();
  });
});

describe('an unverifiable grant', () => {
  test('for a new portal makes a pending_verification item with no top-level tokens', () => {
    const { outcome, next } = addPendingGrant(undefined, grant(), NOW);
    expect(outcome).toBe('pending');
    expect(next).toMatchObject({ state: 'pending_verification', version: 1 });
    expect(next?.access_token).toBeUndefined();
    expect(next?.pending).toHaveLength(1);
  });

  test('never displaces an active installation: it waits beside it', () => {
    const existing = installed();
    const { next } = addPendingGrant(existing, grant({ ts: 2000, access_token: 'maybe' }), NOW);
    expect(next).toMatchObject({ state: 'active', access_token: 'access-1000', version: 2 });
    expect(next?.pending?.[0]).toMatchObject({ access_token: 'maybe', received_at: NOW });
  });

  test('older than the verified installation is stale', () => {
    expect(addPendingGrant(installed(grant({ ts: 2000 })), grant({ ts: 1000 }), NOW).outcome).toBe('stale');
  });

  test('delivered twice is a duplicate', () => {
    const once = addPendingGrant(undefined, grant(), NOW).next;
    expect(addPendingGrant(once, grant(), NOW).outcome).toBe('duplicate');
  });

  test(`keeps at most ${MAX_PENDING_GRANTS}, the newest received`, () => {
    let item: Installation | undefined;
    for (let i = 0; i < MAX_PENDING_GRANTS + 3; i++) item = addPendingGrant(item, grant({ access_token: `t${i}` }), NOW + i).next ?? item;
    expect(item?.pending?.map((p) => p.access_token)).toEqual(['t3', 't4', 't5', 't6', 't7']);
  });
});

describe('an uninstall (application_token already matched)', () => {
  test('erases tokens and keeps a tombstone', () => {
    const { outcome, next } = applyUninstall(installed(), 2000, NOW);
    expect(outcome).toBe('uninstalled');
    expect(next).toMatchObject({ state: 'uninstalled', event_ts: 2000, uninstalled_at: NOW, version: 2, application_token_sha256: 'hash-1' });
    for (const field of ['access_token', 'refresh_token', 'expires_at', 'tokens_issued_at'] as const) expect(next?.[field]).toBeUndefined();
  });

  test('older than the installation changes nothing', () => {
    expect(applyUninstall(installed(grant({ ts: 2000 })), 1000, NOW).outcome).toBe('stale');
  });

  test('of an uninstalled portal, delivered again, is a duplicate', () => {
    const gone = applyUninstall(installed(), 2000, NOW).next!;
    expect(applyUninstall(gone, 2000, NOW).outcome).toBe('duplicate');
  });

  test('newer than an uninstall the vault recorded (NOT_INSTALLED) records its ts and keeps the first uninstalled_at', () => {
    const gone = applyUninstall(installed(), 2000, NOW).next!;
    const { outcome, next } = applyUninstall(gone, 3000, NOW + 50);
    expect(outcome).toBe('uninstalled');
    expect(next).toMatchObject({ event_ts: 3000, uninstalled_at: NOW });
  });

  test('drops pending grants it supersedes and keeps newer ones', () => {
    let item = installed();
    item = addPendingGrant(item, grant({ ts: 1500, access_token: 'older' }), NOW).next!;
    item = addPendingGrant(item, grant({ ts: 2500, access_token: 'newer' }), NOW).next!;
    expect(applyUninstall(item, 2000, NOW).next?.pending?.map((p) => p.access_token)).toEqual(['newer']);
  });
});
