import { createHash, timingSafeEqual } from 'node:crypto';

/** We keep only a digest of `application_token`: it is a credential for ONAPPUNINSTALL. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of a received secret with a stored SHA-256 digest. */
export function matchesSha256(value: string, storedHex: string | undefined): boolean {
  if (!storedHex) return false;
  const received = createHash('sha256').update(value, 'utf8').digest();
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === received.length && timingSafeEqual(received, stored);
}

/** Constant-time equality of two secrets (a caller's rejected token against the stored one). */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
