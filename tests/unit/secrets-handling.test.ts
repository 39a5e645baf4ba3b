import { maskSecret, redactingReplacer, REDACTED } from '../../lib/redact';
import { matchesSha256, sha256Hex } from '../../lib/secret-hash';
import { findLeaks } from '../support/leak-check';

describe('redaction', () => {
  test('secret-named fields are replaced at any depth, whatever their case', () => {
    const line = JSON.stringify({ member_id: 'm', nested: { Access_Token: 'abc', auth: { refresh_token: 'r' } }, client_secret: 's' }, redactingReplacer);
    expect(JSON.parse(line)).toEqual({ member_id: 'm', nested: { Access_Token: REDACTED, auth: REDACTED }, client_secret: REDACTED });
  });

  test('a masked secret shows its first four characters and its length only', () => {
    expect(maskSecret('be45f06600a1b2c3')).toBe('be45…(16)');
  });
});

describe('application_token digest', () => {
  test('matches the same token and nothing else', () => {
    const stored = sha256Hex('3c6c9248ec54af6bea1159b43ee0ab32');
    expect(matchesSha256('3c6c9248ec54af6bea1159b43ee0ab32', stored)).toBe(true);
    expect(matchesSha256('3c6c9248ec54af6bea1159b43ee0ab33', stored)).toBe(false);
    expect(matchesSha256('3c6c9248ec54af6bea1159b43ee0ab32', undefined)).toBe(false);
    expect(matchesSha256('x', 'not-hex')).toBe(false);
  });
});

describe('the suite-wide leak check', () => {
  test('finds a secret in a log line and masks it in the report', () => {
    const leaks = findLeaks('{"msg":"ok"}\n{"token":"be45f06600a1b2c3"}\n', new Set(['be45f06600a1b2c3']));
    expect(leaks).toEqual(['{"token":"<SECRET be45…>"}']);
  });

  test('passes clean logs', () => {
    expect(findLeaks('{"msg":"ok"}', new Set(['be45f06600a1b2c3']))).toEqual([]);
  });
});
