import fc from 'fast-check';
import { decodeFormBody, MAX_FORM_BYTES, parseForm } from '../../lib/form';
import { ReceiverError } from '../../lib/errors';

const FORM = 'application/x-www-form-urlencoded';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ReceiverError ? error.code : 'not a ReceiverError';
  }
  return undefined;
}

describe('decodeFormBody', () => {
  test('reads PHP bracket keys as nested objects, with + as space and UTF-8 (Cyrillic) values', () => {
    const body = Buffer.from('event=ONAPPINSTALL&auth%5Bdomain%5D=x.bitrix24.ru&data%5BNAME%5D=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82+%D0%BC%D0%B8%D1%80');
    expect(decodeFormBody(FORM, body)).toEqual({ event: 'ONAPPINSTALL', auth: { domain: 'x.bitrix24.ru' }, data: { NAME: 'Привет мир' } });
  });

  test('accepts a charset parameter when it is UTF-8', () => {
    expect(decodeFormBody(`${FORM}; charset=UTF-8`, Buffer.from('a=1'))).toEqual({ a: '1' });
  });

  test.each([
    ['application/json', 'unsupported_media_type'],
    ['text/plain', 'unsupported_media_type'],
    [null, 'unsupported_media_type'],
    [`${FORM}; charset=windows-1251`, 'unsupported_media_type'],
  ])('content type %p is refused with %s', (contentType, code) => {
    expect(codeOf(() => decodeFormBody(contentType, Buffer.from('a=1')))).toBe(code);
  });

  test('a body over the cap is payload_too_large, before it is parsed', () => {
    expect(codeOf(() => decodeFormBody(FORM, Buffer.alloc(MAX_FORM_BYTES + 1, 'a')))).toBe('payload_too_large');
  });

  test('an empty body is invalid_payload', () => {
    expect(codeOf(() => decodeFormBody(FORM, Buffer.from('  ')))).toBe('invalid_payload');
  });
});

describe('parseForm limits', () => {
  test('__proto__ and constructor keys never reach an object or its prototype', () => {
    const parsed = parseForm('__proto__[polluted]=1&constructor[prototype][polluted]=1&auth[__proto__][x]=1&a=2');
    expect(parsed).toEqual({ a: '2' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  test('nesting deeper than Bitrix24 ever sends is refused, not truncated', () => {
    expect(codeOf(() => parseForm('a[b][c][d][e]=1'))).toBe('invalid_payload');
  });

  test('too many parameters are refused, not truncated', () => {
    const many = Array.from({ length: 201 }, (_, i) => `p${i}=1`).join('&');
    expect(codeOf(() => parseForm(many))).toBe('invalid_payload');
  });

  test('a sparse array index past the limit is refused', () => {
    expect(codeOf(() => parseForm('a[0]=1&a[100]=2'))).toBe('invalid_payload');
  });

  test('fuzz: any string either parses to a plain object or fails with a ReceiverError, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          const parsed = parseForm(text);
          return typeof parsed === 'object' && parsed !== null && ({} as Record<string, unknown>).polluted === undefined;
        } catch (error) {
          return error instanceof ReceiverError && error.code === 'invalid_payload';
        }
      }),
      { numRuns: 10_000 },
    );
  });

  test('fuzz: bracket-shaped keys never pollute Object.prototype', () => {
    const segment = fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'auth', 'a', '0', '');
    const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map(([head, ...rest]) => `${head}${rest.map((s) => `[${s}]`).join('')}`);
    fc.assert(
      fc.property(fc.array(key, { maxLength: 10 }), (keys) => {
        try {
          parseForm(keys.map((k) => `${k}=1`).join('&'));
        } catch {
          // limits may refuse some shapes; the point is the prototype
        }
        return ({} as Record<string, unknown>).polluted === undefined && (Object.prototype as Record<string, unknown>).a === undefined;
      }),
      { numRuns: 10_000 },
    );
  });
});
