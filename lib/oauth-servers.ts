/**
 * The OAuth-server allowlist. A forged payload controls `server_endpoint`, so the only hosts we
 * ever contact are the configured origins. Origins are compared after URL parsing, never as string
 * prefixes: `https://oauth.bitrix.info@evil.example` has the origin `https://evil.example`.
 */
export const DEFAULT_OAUTH_SERVERS = ['https://oauth.bitrix.info', 'https://oauth.bitrix24.tech'];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Parses one allowlist entry; plain http is accepted for loopback only (the local emulator). */
export function parseOauthServerOrigin(value: string): string | undefined {
  const url = parseUrl(value.trim());
  if (!url || url.username || url.password) return undefined;
  if (url.protocol === 'https:') return url.origin;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url.origin;
  return undefined;
}

/** The origin of `endpoint` when it is one of the allowed OAuth servers, else undefined. */
export function allowedOauthOrigin(endpoint: string, allowed: ReadonlySet<string>): string | undefined {
  const url = parseUrl(endpoint);
  if (!url || url.username || url.password) return undefined;
  return allowed.has(url.origin) ? url.origin : undefined;
}

/** The host (and port) of a URL, lowercase; undefined when it does not parse. */
export function urlHost(url: string): string | undefined {
  return parseUrl(url)?.host.toLowerCase();
}
