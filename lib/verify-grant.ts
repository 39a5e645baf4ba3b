import { VerificationError } from './errors';
import type { Grant, Installation } from './installation';
import { hasVerifiedData } from './installation';
import type { OAuthClient } from './oauth-client';
import { allowedOauthOrigin, urlHost } from './oauth-servers';
import { matchesSha256 } from './secret-hash';
import type { RefreshProofDeps } from './verify-by-refresh';
import { verifyByRefresh } from './verify-by-refresh';

/**
 * Proves an install genuine (DESIGN.md principle 2). Refusal throws `VerificationError`;
 * an OAuth server that cannot answer now is a normal result: the install waits as pending.
 */
export type Verification =
  | { kind: 'verified'; by: 'application_token' | 'oauth_server'; grant: Grant }
  | { kind: 'unavailable'; reason: string };

export interface VerifyDeps {
  oauth: OAuthClient;
  clientId: string;
  allowedOauthServers: ReadonlySet<string>;
  /** With it, a grant whose access token has expired (a late event) is proven by refreshing it, at once. */
  refreshProof?: RefreshProofDeps;
}

/** The OAuth origin this grant names, if it is one we may contact; a forged payload controls `server_endpoint`. */
export function requireAllowedOrigin(serverEndpoint: string, allowed: ReadonlySet<string>): string {
  const origin = allowedOauthOrigin(serverEndpoint, allowed);
  if (!origin) throw new VerificationError('server_endpoint is not an allowed Bitrix24 OAuth server');
  return origin;
}

/**
 * A later event proves itself with the stored application_token, but only for the same portal
 * at the same endpoints: a payload that also moves client_endpoint is checked with the OAuth server.
 * Residual risk: any user of that portal can read its application_token (BITRIX24.md §3), so such a
 * user could replace that portal's own tokens with tokens that do not work; never another portal's.
 */
export function carriesStoredApplicationToken(grant: Grant, applicationToken: string | undefined, existing: Installation | undefined): boolean {
  if (grant.source === 'INSTALL_PAGE' || applicationToken === undefined || !hasVerifiedData(existing)) return false;
  // After an uninstall the next install is a first install: Bitrix24 may hand out the same token
  // again, and every user of the portal has seen it, so it proves nothing there.
  if (existing.state !== 'active') return false;
  return (
    existing.domain === grant.domain &&
    existing.client_endpoint === grant.client_endpoint &&
    matchesSha256(applicationToken, existing.application_token_sha256)
  );
}

/**
 * Bitrix24 queues events and they may arrive late (BITRIX24.md §5): an ONAPPINSTALL older than its
 * one-hour access token is still genuine, and it is the only copy of its tokens. "Expired" is not
 * a refusal: prove it by refreshing, or, when that cannot be done now, keep it pending (the
 * keep-alive proves pending installs the same way).
 */
async function verifyExpired(deps: VerifyDeps, origin: string, grant: Grant): Promise<Verification> {
  // A page POST's tokens are minted for that page view: an expired one is a replayed or forged POST.
  if (grant.source === 'INSTALL_PAGE') throw new VerificationError('The access token has expired: open the application again from the portal');
  if (!deps.refreshProof) return { kind: 'unavailable', reason: 'access token expired; to be proven by refresh' };
  const proof = await verifyByRefresh(deps.refreshProof, origin, grant);
  if (proof.kind === 'refused') throw new VerificationError('The access token has expired and its refresh token was refused');
  if (proof.kind === 'unavailable') return proof;
  return { kind: 'verified', by: 'oauth_server', grant: proof.grant };
}

/** Asks the OAuth server named by the grant (already allowlisted) whether its access token is a genuine install of our app. */
export async function verifyWithOAuthServer(deps: VerifyDeps, origin: string, grant: Grant): Promise<Verification> {
  const answer = await deps.oauth.appInfo(origin, grant.access_token);
  if (answer.kind === 'unavailable') return answer;
  if (answer.kind === 'refused' && answer.error === 'expired_token') return verifyExpired(deps, origin, grant);
  if (answer.kind === 'refused') throw new VerificationError(`The OAuth server refused the access token (${answer.error})`);

  const info = answer.value;
  if (info.client_id !== deps.clientId) throw new VerificationError('The access token belongs to another application');
  if (info.install?.member_id !== grant.member_id) throw new VerificationError('The OAuth server reports another member_id for this token');
  if (info.install.domain?.toLowerCase() !== grant.domain) throw new VerificationError('The OAuth server reports another domain for this token');
  // Keep what the OAuth server vouches for rather than what the payload claims.
  const trusted: Grant = { ...grant };
  if (info.install.client_endpoint) trusted.client_endpoint = info.install.client_endpoint;
  // Services send access tokens to client_endpoint: without the OAuth server's word it must at least be the vouched-for portal.
  else if (urlHost(grant.client_endpoint) !== grant.domain) throw new VerificationError('client_endpoint is not on the portal the OAuth server vouches for');
  if (info.install.status) trusted.status = info.install.status;
  if (grant.source === 'INSTALL_PAGE') {
    // The page POST carries no user_id and may carry no scope; the OAuth server says both.
    if (!trusted.scope && info.scope) trusted.scope = info.scope;
    const userId = Number(info.user_id);
    if (info.user_id !== undefined && Number.isSafeInteger(userId)) trusted.user_id = userId;
  }
  return { kind: 'verified', by: 'oauth_server', grant: trusted };
}
