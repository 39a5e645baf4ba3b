/**
 * One rule for when an access token expires, whoever minted it (an install event, a refresh).
 * `expires` is absolute and `expires_in` a lifetime; mixing them up is a known production bug (a
 * fleet's expiry landed in 2083, BITRIX24.md §2). So `expires` is believed only when it falls
 * within the lifetime of a token minted at `issuedAtSeconds`, give or take a day of clock skew.
 */
export const DEFAULT_ACCESS_LIFETIME_SECONDS = 3600;
const CLOCK_SLACK_SECONDS = 24 * 3600;

export function expiresAtFrom(tokens: { expires?: number | undefined; expires_in?: number | undefined }, issuedAtSeconds: number): number {
  const lifetime = tokens.expires_in ?? DEFAULT_ACCESS_LIFETIME_SECONDS;
  const { expires } = tokens;
  const plausible = expires !== undefined && expires > issuedAtSeconds - CLOCK_SLACK_SECONDS && expires <= issuedAtSeconds + lifetime + CLOCK_SLACK_SECONDS;
  return plausible ? expires : issuedAtSeconds + lifetime;
}
