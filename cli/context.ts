import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../lib/config';
import { loadConfig } from '../lib/config';
import { MisconfiguredError } from '../lib/errors';
import { createDynamoStore } from '../lib/installations-store';
import { redactingReplacer } from '../lib/redact';
import { tokenVault, vaultDeps } from '../lib/token-vault';
import type { TokenVault, VaultLogger } from '../lib/token-vault';
import type { CliContext, CliFlags } from './command';

/** Where `npm start` writes the environment its handlers run with, so `--local` reaches the same table and emulator. */
export function localEnvFile(env: NodeJS.ProcessEnv): string {
  return join(resolve(env.DATA_DIR ?? '.data'), 'local-env.json');
}

/** `--local`: the running `npm start`; otherwise the usual AWS environment (profile, region) and INSTALLATIONS_TABLE. */
export function cliEnvironment(env: NodeJS.ProcessEnv, local: boolean): NodeJS.ProcessEnv {
  if (!local) return env;
  const file = localEnvFile(env);
  if (!existsSync(file)) throw new MisconfiguredError(`${file} not found: is \`npm start\` running?`);
  return { ...env, ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) };
}

/** The vault's alarms go to stderr: stdout is the command's output. */
function stderrLogger(err: (text: string) => void): VaultLogger {
  const write = (level: string) => (message: string, fields: Record<string, unknown>) => err(JSON.stringify({ level, message, ...fields }, redactingReplacer));
  return { error: write('ERROR'), warn: write('WARN') };
}

export function createCliContext(env: NodeJS.ProcessEnv, flags: CliFlags, io: { out(text: string): void; err(text: string): void }): CliContext {
  const tableName = env.INSTALLATIONS_TABLE?.trim();
  if (!tableName) throw new MisconfiguredError('Missing configuration: INSTALLATIONS_TABLE (or use --local with `npm start` running)');
  const store = createDynamoStore({ tableName, timeoutMs: 5_000, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB, region: env.AWS_REGION });
  let vault: TokenVault | undefined;
  let config: Config | undefined;
  const loaded = () => (config ??= loadConfig(env));
  return {
    flags,
    store,
    config: loaded,
    vault: () => (vault ??= tokenVault(vaultDeps({ config: loaded(), log: stderrLogger(io.err) }, { store }))),
    out: io.out,
    nowMs: Date.now,
    exitCode: 0,
  };
}
