import type { ClientSecretSource } from './client-secret';
import type { Grant } from './installation';
import type { OAuthClient } from './oauth-client';
import { urlHost } from './oauth-servers';
import { expiresAtFrom } from './token-expiry';
import type { VaultLogger } from './vault-types';

/**
 * Proves a grant whose access token has expired (a late ONAPPINSTALL, a pending install a day
 * old) by refreshing it: only our client secret can refresh our app's tokens, and the answer names
 * the portal. The refreshed tokens replace the grant's, which are spent by the rotation.
 */
export interface RefreshProofDeps {
  oauth: OAuthClient;
  clientId: string;
  clientSecret: ClientSecretSource;
  nowMs: () => number;
  log: Pick<VaultLogger, 'error'>;
}

export type RefreshProof = { kind: 'verified'; grant: Grant } | { kind: 'refused' } | { kind: 'unavailable'; reason: string };

export async function verifyByRefresh(deps: RefreshProofDeps, origin: string, grant: Grant): Promise<RefreshProof> {
  let clientSecret: string;
  try {
    clientSecret = await deps.clientSecret();
  } catch {
    // No secret configured, or SSM unreachable: cannot prove it now, and a refusal would lose it.
    return { kind: 'unavailable', reason: 'client secret unavailable' };
  }
  const answer = await deps.oauth.refresh(origin, { clientId: deps.clientId, clientSecret, refreshToken: grant.refresh_token });
  if (answer.kind === 'unavailable') return answer;
  if (answer.kind === 'refused') {
    const code = answer.error.toLowerCase();
    if (code !== 'invalid_client' && code !== 'wrong_client') return { kind: 'refused' };
    deps.log.error('the OAuth server refused our client credentials while proving an install by refresh', { member_id: grant.member_id, code });
    return { kind: 'unavailable', reason: 'our client credentials were refused' };
  }
  const tokens = answer.value;
  // The answer must name the portal: the refresh proves the token is our app's, not whose portal it is.
  if (tokens.member_id === undefined && tokens.client_endpoint === undefined) return { kind: 'refused' };
  if (tokens.member_id !== undefined && tokens.member_id !== grant.member_id) return { kind: 'refused' };
  if (tokens.client_endpoint !== undefined && urlHost(tokens.client_endpoint) !== grant.domain) return { kind: 'refused' };
  const nowSeconds = Math.floor(deps.nowMs() / 1000);
  const verified: Grant = {
    ...grant,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_at: expiresAtFrom(tokens, nowSeconds),
    client_endpoint: tokens.client_endpoint ?? grant.client_endpoint,
    tokens_issued_at: nowSeconds,
  };
  if (tokens.status) verified.status = tokens.status;
  return { kind: 'verified', grant: verified };
}
