import type { EmulatedPortal } from '../../local/oauth-emulator';
import type { TokenVault } from '../../lib/token-vault';
import { tokenVault, vaultDeps } from '../../lib/token-vault';
import type { VaultDeps, VaultLogger } from '../../lib/vault-types';
import type { TestStack } from './stack';

/** A vault over the test stack's table and emulator, with its alarms recorded rather than printed. */
export interface TestVault {
  vault: TokenVault;
  deps: VaultDeps;
  alarms: { level: 'error' | 'warn'; message: string; fields: Record<string, unknown> }[];
}

export function testVault(stack: TestStack, overrides: Partial<VaultDeps> = {}): TestVault {
  const alarms: TestVault['alarms'] = [];
  const log: VaultLogger = {
    error: (message, fields) => alarms.push({ level: 'error', message, fields }),
    warn: (message, fields) => alarms.push({ level: 'warn', message, fields }),
  };
  const deps = { ...vaultDeps({ config: stack.config, log }, { store: stack.store }), ...overrides };
  return { vault: tokenVault(deps), deps, alarms };
}

/** A portal installed through the real events route, its stored access token expiring in `expiresInSeconds`. */
export async function installedPortal(stack: TestStack, expiresInSeconds = 3600): Promise<EmulatedPortal> {
  const portal = stack.emulator.installPortal();
  stack.emulator.expireAccessTokenIn(portal.memberId, expiresInSeconds);
  const response = await stack.postForm('/bitrix24/events', stack.emulator.installEvent(portal));
  if (response.status !== 200) throw new Error(`install answered ${response.status}`);
  return portal;
}

/** Waits until `predicate` holds, polling; for "the emulator has received the call" moments. */
export async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
