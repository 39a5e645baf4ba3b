import type { Installation } from '../lib/installation';
import { maskSecret } from '../lib/redact';
import type { ResolvedToken } from '../lib/token-vault';
import type { CliContext } from './command';

/** Tokens masked unless --reveal, everywhere they appear (pending installs carry tokens too). */
export function installationView(item: Installation, reveal: boolean): Record<string, unknown> {
  if (reveal) return { ...item };
  return {
    ...item,
    access_token: maskSecret(item.access_token),
    refresh_token: maskSecret(item.refresh_token),
    ...(item.pending
      ? { pending: item.pending.map((p) => ({ ...p, access_token: maskSecret(p.access_token), refresh_token: maskSecret(p.refresh_token) })) }
      : {}),
  };
}

export function isoSeconds(seconds: number | undefined): string {
  return seconds === undefined ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function tokenView(memberId: string, resolved: ResolvedToken, reveal: boolean): Record<string, unknown> {
  const { token } = resolved;
  return {
    member_id: memberId,
    access_token: reveal ? token.accessToken : maskSecret(token.accessToken),
    client_endpoint: token.clientEndpoint,
    domain: token.domain,
    expires_at: token.expiresAt,
    scope: token.scope,
    source: resolved.source,
  };
}

/** `--json`: one JSON document; otherwise `key: value` lines. */
export function printRecord(context: CliContext, record: Record<string, unknown>): void {
  if (context.flags.json) return context.out(JSON.stringify(record, null, 2));
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const shown = key.endsWith('_at') && typeof value === 'number' ? `${isoSeconds(value)} (${value})` : typeof value === 'object' ? JSON.stringify(value) : String(value);
    context.out(`${key.padEnd(width)}  ${shown}`);
  }
}
