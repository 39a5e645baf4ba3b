import { InstallationStateError, MisconfiguredError, PaymentRequiredError, UnavailableError } from './errors';
import type { Installation } from './installation';
import { keepRotatedTokens } from './keep-rotated-tokens';
import type { TokenResponse } from './oauth-client';
import { allowedOauthOrigin } from './oauth-servers';
import { applyRefreshedTokens, markNeedsReinstall, markUninstalled } from './refresh-transitions';
import type { UsableInstallation, VaultDeps } from './vault-types';
import { requireUsable } from './vault-types';

/**
 * One refresh by the lease owner: call the OAuth server the installation names (allowlisted
 * origins only, the secret in a form body), then write what its answer means, conditioned on the
 * version read. `again` means the item moved on under us: the caller re-reads and decides anew.
 */
export type RefreshOutcome = { kind: 'token'; installation: UsableInstallation } | { kind: 'again' };

/** Poll interval while waiting for a lapsed owner's write after `invalid_grant`. */
const LAPSED_OWNER_POLL_MS = 100;

const nowSeconds = (deps: VaultDeps) => Math.floor(deps.nowMs() / 1000);

/** An upstream error code for a message: short, and nothing but a code. */
function safeCode(code: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : 'unrecognised';
}

export async function refreshOnce(deps: VaultDeps, installation: UsableInstallation, tookOverLapsedLease: boolean): Promise<RefreshOutcome> {
  const origin = allowedOauthOrigin(installation.server_endpoint, deps.allowedOauthServers);
  if (!origin) throw new MisconfiguredError("This installation's OAuth server is not in BITRIX24_OAUTH_SERVERS; it is never contacted");
  const used = installation.refresh_token;
  const clientSecret = await deps.clientSecret();
  const answer = await deps.oauth.refresh(origin, { clientId: deps.clientId, clientSecret, refreshToken: used });

  if (answer.kind === 'ok') return { kind: 'token', installation: await keepRefreshedTokens(deps, installation, used, answer.value) };
  if (answer.kind === 'unavailable') throw new UnavailableError('oauth_unavailable', `The OAuth server did not answer the refresh (${answer.reason}); try again`);

  const code = answer.error.toLowerCase();
  if (code === 'invalid_grant') return afterInvalidGrant(deps, installation.member_id, used, tookOverLapsedLease);
  if (code === 'not_installed') {
    if (!(await writeMark(deps, installation, (current) => markUninstalled(current, used, nowSeconds(deps))))) return { kind: 'again' };
    throw new InstallationStateError('uninstalled', 'The OAuth server says the app is no longer installed on this portal (NOT_INSTALLED)');
  }
  if (code === 'payment_required') throw new PaymentRequiredError();
  if (code === 'invalid_client' || code === 'wrong_client') {
    // Our own credentials, not the portal's fault (DESIGN.md): alarm, and leave the installation as it is.
    deps.log.error('the OAuth server refused our client credentials on refresh', { member_id: installation.member_id, code });
    throw new MisconfiguredError(`The OAuth server refused our client id or secret (${code}); check BITRIX24_CLIENT_ID and the client secret`);
  }
  throw new UnavailableError('oauth_unavailable', `The OAuth server refused the refresh (${safeCode(answer.error)}); the installation is unchanged`);
}

/** Writes a state mark if the item still holds what we read; false when it moved on (decide again). */
async function writeMark(deps: VaultDeps, read: Installation, mark: (current: Installation) => Installation | undefined): Promise<boolean> {
  const next = mark(read);
  if (!next) return false;
  return (await deps.store.save(next, read.version)) === 'saved';
}

/**
 * Our refresh rotated the token: the new one exists only in this process until it is stored. Written
 * only if the item still holds the refresh token we used (any other change is merged, a newer token
 * wins), with storage failures retried: losing this write loses the portal.
 */
async function keepRefreshedTokens(deps: VaultDeps, read: UsableInstallation, used: string, tokens: TokenResponse): Promise<UsableInstallation> {
  let current: Installation | undefined = read;
  // What the item holds once ours is written, or once it has moved on without our token (a newer one wins).
  const settled = await keepRotatedTokens(deps, read.member_id, async (retry) => {
    if (retry) current = await deps.store.read(read.member_id).then((item) => item.installation, () => current);
    for (;;) {
      const next = applyRefreshedTokens(current, used, tokens, nowSeconds(deps));
      if (!next) return current;
      if ((await deps.store.save(next, current?.version)) === 'saved') return next;
      current = (await deps.store.read(read.member_id)).installation;
    }
  });
  return requireUsable(settled);
}

/**
 * `invalid_grant`: before concluding the token is dead, re-read, because another process may have
 * rotated it (CRest #13, b24jssdk #147). If we took over a lapsed lease, its owner may still be
 * writing what it got: give it the time one more call takes.
 */
async function afterInvalidGrant(deps: VaultDeps, memberId: string, used: string, tookOverLapsedLease: boolean): Promise<RefreshOutcome> {
  const graceUntilMs = deps.nowMs() + (tookOverLapsedLease ? deps.oauthTimeoutMs : 0);
  for (;;) {
    const current = (await deps.store.read(memberId)).installation;
    if (!current || current.state !== 'active' || current.refresh_token !== used) return { kind: 'again' };
    if (deps.nowMs() >= graceUntilMs) {
      if (!(await writeMark(deps, current, (item) => markNeedsReinstall(item, used, nowSeconds(deps))))) return { kind: 'again' };
      throw new InstallationStateError('needs_reinstall', 'The OAuth server refused the stored refresh token (invalid_grant); an administrator of the portal must reinstall the app');
    }
    await deps.sleep(LAPSED_OWNER_POLL_MS);
  }
}
