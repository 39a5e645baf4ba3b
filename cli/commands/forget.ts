import { NotInstalledError } from '../../lib/errors';
import type { Command } from '../command';
import { UsageError } from '../command';

export const forget: Command = {
  name: 'forget',
  args: ['<member_id>'],
  summary: 'delete the item, tokens and all (needs --yes); the portal must reinstall the app to come back',
  async run([memberId], context) {
    if (!context.flags.yes) throw new UsageError(`forget deletes ${memberId}'s tokens for good; repeat with --yes`);
    const installation = await context.store.get(memberId!);
    if (!installation) throw new NotInstalledError();
    await context.store.remove(memberId!, undefined);
    if (context.flags.json) context.out(JSON.stringify({ ok: true, member_id: memberId, forgotten: true }));
    else context.out(`forgot ${memberId} (${installation.domain ?? 'no domain'}, ${installation.state})`);
  },
};
