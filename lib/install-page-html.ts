import { createHash } from 'node:crypto';
import type { ErrorCode, ReceiverError } from './errors';
import type { HttpReply } from './reply';

/**
 * The install page's replies: small HTML pages shown in the portal's iframe. Only the success page
 * loads Bitrix24's library and calls `BX24.installFinish()` (until it does, Bitrix24 delivers no
 * events and shows the installation again: b24phpsdk #119, b24jssdk #336). No token ever appears in
 * a page; everything echoed is HTML-escaped. The CSP allows exactly the library and our one inline
 * script and style (by hash), and framing by the portal only.
 */

/** `//api.bitrix24.com/api/v1/` in Bitrix24's examples; spelled https so the CSP can name it exactly. */
export const BX24_LIBRARY_URL = 'https://api.bitrix24.com/api/v1/';
const FINISH_SCRIPT = 'BX24.init(function(){BX24.installFinish();});';
const STYLE = 'body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#222;max-width:40rem}h1{font-size:1.25rem}.error h1{color:#a40000}small{color:#666}';

function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
const FINISH_SCRIPT_HASH = cspHash(FINISH_SCRIPT);
const STYLE_HASH = cspHash(STYLE);

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

function pageHeaders(frameAncestor: string | undefined, withScripts: boolean): Record<string, string> {
  const csp = [
    "default-src 'none'",
    ...(withScripts ? [`script-src ${new URL(BX24_LIBRARY_URL).origin} ${FINISH_SCRIPT_HASH}`] : []),
    `style-src ${STYLE_HASH}`,
    "base-uri 'none'",
    "form-action 'none'",
    // The portal frames this page; nobody else may. Unknown portal: nobody.
    `frame-ancestors ${frameAncestor ?? "'none'"}`,
  ].join('; ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

function document(title: string, bodyClass: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${head}</head>
<body class="${bodyClass}">
${body}
</body>
</html>
`;
}

export type KeptOutcome = 'installed' | 'pending' | 'captured';

const KEPT_TEXT: Record<KeptOutcome, string> = {
  installed: 'The installation is stored. Bitrix24 completes it in a moment.',
  pending:
    "Bitrix24's OAuth server could not confirm the installation just now (pending verification). The installation is kept and will be confirmed as soon as the OAuth server answers; you can carry on.",
  captured:
    "The app's storage is briefly unavailable. The installation was kept safely and will be stored within minutes; you can carry on.",
};

/** The tokens are safely kept (stored, pending verification or durably captured): finish the installation. */
export function installFinishedPage(options: { outcome: KeptOutcome; domain: string; portalOrigin: string; statusCode: 200 | 202 }): HttpReply {
  const head = `<script src="${BX24_LIBRARY_URL}"></script>\n<script>${FINISH_SCRIPT}</script>\n`;
  const body = `<h1>The app is installed on ${escapeHtml(options.domain)}</h1>\n<p>${escapeHtml(KEPT_TEXT[options.outcome])}</p>`;
  return {
    statusCode: options.statusCode,
    headers: pageHeaders(options.portalOrigin, true),
    body: document('App installed', `kept ${options.outcome}`, body, head),
  };
}

const OPEN_FROM_PORTAL = 'Bitrix24 opens this page itself, with a form POST, while it installs the app. To install the app, open it from your Bitrix24 portal.';

const ERROR_TEXT: Partial<Record<ErrorCode, { title: string; advice: string }>> = {
  invalid_payload: { title: "This page is part of the app's installation", advice: OPEN_FROM_PORTAL },
  method_not_allowed: { title: "This page is part of the app's installation", advice: OPEN_FROM_PORTAL },
  payload_too_large: { title: "This page is part of the app's installation", advice: OPEN_FROM_PORTAL },
  unsupported_media_type: { title: "This page is part of the app's installation", advice: OPEN_FROM_PORTAL },
  verification_failed: {
    title: 'Bitrix24 could not confirm this installation',
    advice: "Nothing was stored. Open the app from your Bitrix24 portal again to restart the installation. If this keeps happening, contact the app's developer.",
  },
  misconfigured: {
    title: "The app's server is not configured correctly",
    advice: "The installation could not be completed and nothing was stored. Contact the app's developer; nothing on your portal needs to change.",
  },
  storage_unavailable: {
    title: "The app's server is briefly unavailable",
    advice: 'Nothing was stored. Close this window and open the app again in a minute: Bitrix24 shows the installation again until it completes.',
  },
};

const FALLBACK_TEXT = {
  title: "Something went wrong on the app's server",
  advice: "The installation could not be completed. Open the app again in a minute; if it keeps happening, contact the app's developer.",
};

/** A clear error page without `installFinish`: the installation stays open and Bitrix24 will show it again. */
export function installErrorPage(error: ReceiverError, portalOrigin: string | undefined): HttpReply {
  const text = ERROR_TEXT[error.code] ?? FALLBACK_TEXT;
  const fields = Array.isArray(error.details.fields) ? (error.details.fields as unknown[]).map(String) : [];
  const body = [
    `<h1>${escapeHtml(text.title)}</h1>`,
    `<p>${escapeHtml(text.advice)}</p>`,
    ...(fields.length > 0 ? [`<p>Missing or invalid: ${escapeHtml(fields.join(', '))}</p>`] : []),
    `<p><small>Error: ${escapeHtml(error.code)} (HTTP ${error.status})</small></p>`,
  ].join('\n');
  const headers = pageHeaders(portalOrigin, false);
  if (error.status === 503) headers['retry-after'] = '5';
  if (error.code === 'method_not_allowed') headers.allow = String(error.details.allow ?? 'POST');
  return { statusCode: error.status, headers, body: document(text.title, 'error', body) };
}
