/**
 * The one list of secret keys (after b24jssdk's redact.ts). Any log field or nested key with one
 * of these names is replaced before it is written, whatever the caller passed.
 */
export const SECRET_KEYS = new Set(
  [
    'access_token',
    'refresh_token',
    'application_token',
    'client_secret',
    'bitrix24_client_secret',
    'auth',
    'auth_id',
    'refresh_id',
    'authorization',
    'x-rejected-access-token',
    'rejected_access_token',
    'accesstoken',
    'refreshtoken',
    'clientsecret',
    'password',
    'body',
  ].map((key) => key.toLowerCase()),
);

export const REDACTED = '[redacted]';

/** A JSON.stringify replacer that never lets a secret-named field through. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key && SECRET_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return REDACTED;
  return value;
}

/** Shows that a secret exists without revealing it: its first four characters and its length. */
export function maskSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return `${value.slice(0, 4)}…(${value.length})`;
}
