import type { Command } from '../command';
import { installationView, isoSeconds } from '../format';

export const list: Command = {
  name: 'list',
  args: [],
  summary: 'every installation: member_id, state, domain, token expiry and age, pending installs',
  async run(_args, context) {
    const items = [];
    for await (const item of context.store.list()) items.push(item);
    items.sort((a, b) => (a.domain ?? '').localeCompare(b.domain ?? '') || a.member_id.localeCompare(b.member_id));
    if (context.flags.json) return context.out(JSON.stringify(items.map((item) => installationView(item, context.flags.reveal)), null, 2));
    const rows = items.map((item) => [
      item.member_id,
      item.state,
      item.domain ?? '-',
      isoSeconds(item.expires_at),
      isoSeconds(item.tokens_issued_at),
      String(item.pending?.length ?? 0),
    ]);
    const header = ['member_id', 'state', 'domain', 'expires_at', 'tokens_issued_at', 'pending'];
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    for (const row of [header, ...rows]) context.out(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
    context.out(`${items.length} installation(s)`);
  },
};
