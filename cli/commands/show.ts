import { NotInstalledError } from '../../lib/errors';
import type { Command } from '../command';
import { installationView } from '../format';

export const show: Command = {
  name: 'show',
  args: ['<member_id>'],
  summary: 'the stored item (tokens masked unless --reveal) and its refresh lease, if one is held',
  async run([memberId], context) {
    const { installation, lease, lastRefreshFailure } = await context.store.read(memberId!);
    if (!installation) throw new NotInstalledError();
    const view: Record<string, unknown> = installationView(installation, context.flags.reveal);
    if (lease) view.lease = { owner: lease.owner, expires_at: new Date(lease.expiresAtMs).toISOString() };
    if (lastRefreshFailure) view.last_refresh_failure = { code: lastRefreshFailure.code, at: new Date(lastRefreshFailure.atMs).toISOString() };
    context.out(JSON.stringify(view, null, 2));
  },
};
