import qs from 'qs';
import { InvalidPayloadError, ReceiverError } from './errors';

/** Bitrix24's install events are well under 4 KiB; anything past this is not from Bitrix24. */
export const MAX_FORM_BYTES = 16 * 1024;

/**
 * qs limits, set explicitly because its defaults silently truncate. Bitrix24 nests two levels at
 * most (`data[FIELDS][ID]`); an install event has about 25 parameters.
 */
const PARSE_OPTIONS: qs.IParseOptions & { throwOnLimitExceeded: boolean; strictDepth: boolean } = {
  depth: 3,
  strictDepth: true,
  parameterLimit: 200,
  arrayLimit: 20,
  throwOnLimitExceeded: true,
  allowPrototypes: false,
  allowDots: false,
  parseArrays: true,
  ignoreQueryPrefix: true,
  charset: 'utf-8',
};

export type FormFields = Record<string, unknown>;

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** Checks the media type (a charset parameter is fine if it is UTF-8) and returns the charset qs should use. */
function requireFormContentType(contentType: string | null): void {
  const [mediaType = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== FORM_MEDIA_TYPE) {
    throw new ReceiverError(
      'unsupported_media_type',
      `Content-Type must be ${FORM_MEDIA_TYPE}${mediaType ? `, not ${mediaType.slice(0, 100)}` : ''}`,
    );
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ReceiverError('unsupported_media_type', 'Only the UTF-8 charset is supported for form bodies');
  }
}

/** Parses an `application/x-www-form-urlencoded` string with PHP bracket keys under fixed limits. */
export function parseForm(text: string): FormFields {
  try {
    return qs.parse(text, PARSE_OPTIONS) as FormFields;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unparseable';
    throw new InvalidPayloadError([], `Form body exceeds parsing limits: ${reason}`);
  }
}

/** Content type, size and syntax of a form body: the one way every route reads a form. */
export function decodeFormBody(contentType: string | null, body: Buffer): FormFields {
  if (body.length > MAX_FORM_BYTES) {
    throw new ReceiverError('payload_too_large', `Body is ${body.length} bytes; the limit is ${MAX_FORM_BYTES}`);
  }
  requireFormContentType(contentType);
  const text = body.toString('utf8').trim();
  if (text.length === 0) throw new InvalidPayloadError([], 'Body is empty; expected a Bitrix24 form post');
  return parseForm(text);
}
