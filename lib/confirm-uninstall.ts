import { isReceiverError } from './errors';
import type { OAuthClient } from './oauth-client';
import { allowedOauthOrigin } from './oauth-servers';
import type { TokenVault } from './token-vault';

/**
 * ONAPPUNINSTALL proves itself only with `application_token`, which every user of the portal can
 * read (BITRIX24.md §3). Before erasing tokens we ask the OAuth server: the tokens of an
 * uninstalled app stop working, so if a valid token still gets `app.info` saying "installed", the
 * uninstall is refused (DESIGN.md "Fine points").
 */
export type UninstallCheck =
  | 'installed' // the OAuth server vouches for the installation: refuse the uninstall
  | 'gone' // our tokens no longer work (or the OAuth server says so): erase them
  | 'unknown'; // the OAuth server cannot say now: keep everything (see receiveUninstall)

export interface UninstallConfirmation {
  check: UninstallCheck;
  /** Safe words for the log line. */
  reason: string;
}

export interface ConfirmUninstallDeps {
  vault: TokenVault;
  oauth: OAuthClient;
  clientId: string;
  allowedOauthServers: ReadonlySet<string>;
}

/** app.info needs a token that stays valid while we ask. */
const CONFIRM_MARGIN_MS = 60_000;
/** The vault's errors that mean our tokens are dead: nothing left to protect. */
const TOKENS_DEAD = new Set(['needs_reinstall', 'uninstalled', 'not_installed']);

export async function confirmUninstall(deps: ConfirmUninstallDeps, memberId: string): Promise<UninstallConfirmation> {
  let resolved;
  try {
    // A refresh, if needed, goes through the vault: one at a time, and NOT_INSTALLED marks the item itself.
    resolved = await deps.vault.resolveAccessToken(memberId, { marginMs: CONFIRM_MARGIN_MS });
  } catch (error) {
    const code = isReceiverError(error) ? error.code : 'internal_error';
    return { check: TOKENS_DEAD.has(code) ? 'gone' : 'unknown', reason: `token: ${code}` };
  }
  const origin = allowedOauthOrigin(resolved.serverEndpoint, deps.allowedOauthServers);
  if (!origin) return { check: 'unknown', reason: 'server_endpoint not allowed' };
  const answer = await deps.oauth.appInfo(origin, resolved.token.accessToken);
  if (answer.kind === 'unavailable') return { check: 'unknown', reason: `app.info: ${answer.reason}` };
  if (answer.kind === 'refused') return { check: 'gone', reason: `app.info refused our token (${answer.error})` };
  const info = answer.value;
  if (info.install?.installed === false) return { check: 'gone', reason: 'app.info: not installed' };
  if (info.client_id === deps.clientId && info.install?.member_id === memberId) return { check: 'installed', reason: 'app.info: installed' };
  return { check: 'unknown', reason: 'app.info describes another installation' };
}
