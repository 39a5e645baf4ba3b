import type { Command } from '../command';
import { printRecord, tokenView } from '../format';

export const token: Command = {
  name: 'token',
  args: ['<member_id>'],
  summary: 'a valid access token, as a service gets it (refreshed first if it is about to expire)',
  async run([memberId], context) {
    const resolved = await context.vault().resolveAccessToken(memberId!);
    printRecord(context, tokenView(memberId!, resolved, context.flags.reveal));
  },
};
