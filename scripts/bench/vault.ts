import { statSync } from 'node:fs';
import { join } from 'node:path';
import { tokenVault, vaultDeps } from '../../lib/token-vault';
import type { VaultLogger } from '../../lib/vault-types';
import { startLocalStack } from '../../local/stack';
import { coldInitMs } from './events';
import type { Measurement } from './measure';
import { median, percentile } from './measure';

const root = join(__dirname, '..', '..');
const silent: VaultLogger = { error: () => undefined, warn: () => undefined };
const CACHED_CALLS = 2_000;
const CONCURRENT_CALLERS = 50;

/**
 * The vault against dynalite and the emulator, in this process: what a cached `getAccessToken`
 * costs (one consistent read), and how many refreshes N concurrent callers make for one expiring
 * portal (the budget is exactly one).
 */
export async function run(): Promise<Measurement[]> {
  const stack = await startLocalStack({ env: { OAUTH_TIMEOUT_MS: '5000' } });
  try {
    const deps = vaultDeps({ config: stack.config, log: silent });
    const vault = tokenVault(deps);
    const portal = stack.emulator.installPortal();
    const nowSeconds = Math.floor(Date.now() / 1000);
    await deps.store.save(
      {
        member_id: portal.memberId,
        state: 'active',
        version: 1,
        domain: portal.domain,
        client_endpoint: `https://${portal.domain}/rest/`,
        server_endpoint: stack.emulator.serverEndpoint,
        access_token: portal.accessToken,
        refresh_token: portal.refreshToken,
        expires_at: portal.accessExpiresAt,
        scope: portal.scope,
        tokens_issued_at: nowSeconds,
        updated_at: nowSeconds,
      },
      undefined,
    );

    for (let i = 0; i < 200; i++) await vault.getAccessToken(portal.memberId); // warm up
    const times: number[] = [];
    for (let i = 0; i < CACHED_CALLS; i++) {
      const started = process.hrtime.bigint();
      await vault.getAccessToken(portal.memberId);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }

    const refreshesBefore = stack.emulator.refreshCalls(portal.memberId);
    stack.emulator.refreshLatencyMs = 50;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, () => vault.getAccessToken(portal.memberId, { rejected: portal.accessToken })));
    const coalescedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const refreshes = stack.emulator.refreshCalls(portal.memberId) - refreshesBefore;

    const bundle = join(root, 'dist', 'token.js');
    const round = (value: number) => Math.round(value * 100) / 100;
    return [
      { name: 'dist/token.js size', value: Math.round(statSync(bundle).size / 1024), unit: 'KB', budget: 350 },
      { name: 'dist/token.js cold init (median of 20 processes)', value: Math.round(coldInitMs(bundle) * 10) / 10, unit: 'ms', budget: 40 },
      { name: `cached getAccessToken against dynalite, median of ${CACHED_CALLS}`, value: round(median(times)), unit: 'ms', budget: 5 },
      { name: `cached getAccessToken against dynalite, p99 of ${CACHED_CALLS}`, value: round(percentile(times, 99)), unit: 'ms', budget: 15 },
      { name: `refreshes for ${CONCURRENT_CALLERS} concurrent callers of one expiring portal`, value: refreshes, unit: 'refresh(es)', budget: 1, exact: true },
      { name: `time until all ${CONCURRENT_CALLERS} callers have the new token (refresh takes 50 ms)`, value: Math.round(coalescedMs), unit: 'ms' },
    ];
  } finally {
    await stack.close();
  }
}
