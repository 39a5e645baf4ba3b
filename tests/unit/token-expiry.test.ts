import { grantFromInstallEvent } from '../../lib/receive-event';
import { parseLifecycleEvent } from '../../lib/schemas';
import { realInstallEvent } from '../fixtures/bitrix24-examples';

/** One expiry rule for install events and refreshes: `expires` is believed only when it fits the token's lifetime. */
function expiresAtOf(auth: Partial<Record<string, string>>): number {
  const event = realInstallEvent('https://oauth.bitrix.info/rest/');
  const parsed = parseLifecycleEvent({ ...event, auth: { ...event.auth, ...auth } });
  if (parsed.event === 'ONAPPUNINSTALL') throw new Error('wrong event');
  return grantFromInstallEvent(parsed).expires_at;
}

test('the live payload: the absolute `expires` an hour after `ts` is used as is', () => {
  expect(expiresAtOf({})).toBe(1727022526);
});

test('an `expires` that is really a lifetime (3600) counts from ts instead', () => {
  expect(expiresAtOf({ expires: '3600' })).toBe(1727018926 + 3600);
});

test('an `expires` decades away is not believed: a token never lives that long', () => {
  expect(expiresAtOf({ expires: '3500000000' })).toBe(1727018926 + 3600);
});
