import * as z from 'zod/mini';
import type { Delivery } from './delivery';
import type { FormFields } from './form';
import type { Grant } from './installation';
import { AppStatus, Hostname, HttpUrl, LifetimeSeconds, MemberId, parseFields, Scope, ShortText, Token } from './schemas';
import { sha256Hex } from './secret-hash';

/**
 * The install page POST (BITRIX24.md §1): the iframe form Bitrix24 opens while a UI app installs.
 * Bitrix24 puts DOMAIN, PROTOCOL, LANG and APP_SID in the query string and the rest in the body
 * (apidocs "What the handler receives"), but older portals and some placements send fields in either
 * place, so both are read and the body wins where a field is in both. Empty values count as absent.
 */
export const InstallPagePost = z.object({
  AUTH_ID: Token,
  /** A lifetime in seconds ("3600"), never an absolute time. */
  AUTH_EXPIRES: LifetimeSeconds,
  REFRESH_ID: Token,
  /** Recent portals send it; the seed page's minimal POST does not (see `installPageGrant`). */
  SERVER_ENDPOINT: z.optional(HttpUrl),
  APPLICATION_TOKEN: z.optional(Token),
  APPLICATION_SCOPE: z.optional(Scope),
  member_id: MemberId,
  status: z.optional(AppStatus),
  PLACEMENT: z.optional(ShortText),
  /** JSON text, or the literal `undefined` some placements send; never used, only bounded. */
  PLACEMENT_OPTIONS: z.optional(z.union([z.string().check(z.maxLength(8192)), z.record(z.string(), z.unknown())])),
  DOMAIN: Hostname,
  /** 1 https, 0 http. */
  PROTOCOL: z.optional(z.enum(['0', '1'])),
  LANG: z.optional(ShortText),
  APP_SID: z.optional(ShortText),
});
export type InstallPagePost = z.infer<typeof InstallPagePost>;

function withoutEmptyValues(fields: FormFields): FormFields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ''));
}

/** Validates the page POST from its query string and body; a missing or bad field is a 400 naming it. */
export function parseInstallPagePost(query: FormFields, body: FormFields): InstallPagePost {
  return parseFields(InstallPagePost, { ...withoutEmptyValues(query), ...withoutEmptyValues(body) });
}

/** The portal's own origin, where its pages (and so our iframe's parent) live. */
export function portalOrigin(domain: string, protocol: '0' | '1' | undefined): string {
  return `${protocol === '0' ? 'http' : 'https'}://${domain}`;
}

/**
 * The page as a grant. Its tokens were minted for this page view, so `ts` (also when they were
 * issued) is the receipt time and `expires_at` is receipt + AUTH_EXPIRES (DESIGN.md "Expiry").
 * Without SERVER_ENDPOINT, the OAuth server asked is the first allowed one
 * (`BITRIX24_OAUTH_SERVERS`, `https://oauth.bitrix.info` by default): an app lives in one region, so
 * its operator lists that region's server first. The claimed client_endpoint is only a placeholder:
 * app.info's own `client_endpoint` replaces it once verified.
 */
export function installPageGrant(page: InstallPagePost, receivedAtMs: number, defaultOauthServer: string): Grant {
  const ts = Math.floor(receivedAtMs / 1000);
  const grant: Grant = {
    source: 'INSTALL_PAGE',
    member_id: page.member_id,
    ts,
    domain: page.DOMAIN,
    client_endpoint: `${portalOrigin(page.DOMAIN, page.PROTOCOL)}/rest/`,
    server_endpoint: page.SERVER_ENDPOINT ?? `${defaultOauthServer}/rest/`,
    access_token: page.AUTH_ID,
    refresh_token: page.REFRESH_ID,
    expires_at: ts + page.AUTH_EXPIRES,
    scope: page.APPLICATION_SCOPE ?? '',
  };
  if (page.status !== undefined) grant.status = page.status;
  if (page.APPLICATION_TOKEN !== undefined) grant.application_token_sha256 = sha256Hex(page.APPLICATION_TOKEN);
  return grant;
}

/** The raw APPLICATION_TOKEN is left out: it never proves a page (every user's browser has it), only its digest is kept. */
export function installPageDelivery(page: InstallPagePost, receivedAtMs: number, defaultOauthServer: string): Delivery {
  return { kind: 'grant', grant: installPageGrant(page, receivedAtMs, defaultOauthServer) };
}
