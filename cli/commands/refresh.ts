import { NotInstalledError } from '../../lib/errors';
import type { Command } from '../command';
import { printRecord, tokenView } from '../format';

export const refresh: Command = {
  name: 'refresh',
  args: ['<member_id>'],
  summary: 'refresh now, through the same lease as every service (not if someone refreshed since it was read)',
  async run([memberId], context) {
    const installation = await context.store.get(memberId!);
    if (!installation) throw new NotInstalledError();
    const resolved = await context.vault().refreshAccessToken(memberId!, { ifIssuedBefore: (installation.tokens_issued_at ?? 0) + 1 });
    printRecord(context, tokenView(memberId!, resolved, context.flags.reveal));
  },
};
