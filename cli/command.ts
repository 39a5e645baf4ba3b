import type { InstallationsStore } from '../lib/installations-store';
import type { TokenVault } from '../lib/token-vault';

/** One `b24-installs` command: a small module registered in commands/index.ts. */
export interface Command {
  name: string;
  /** Positional arguments, as shown in the usage line: `<member_id>`. */
  args: readonly string[];
  summary: string;
  run(args: readonly string[], context: CliContext): Promise<void>;
}

export interface CliFlags {
  /** Machine-readable output: one JSON document on stdout. */
  json: boolean;
  /** Show tokens in clear; masked otherwise. */
  reveal: boolean;
  /** Confirms a destructive command (`forget`). */
  yes: boolean;
}

export interface CliContext {
  flags: CliFlags;
  store: InstallationsStore;
  /** Built on first use: it needs the client id and secret, which listing does not. */
  vault(): TokenVault;
  out(text: string): void;
  nowMs(): number;
}

/** A wrong command line: usage is printed and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
