import type { Config } from '../lib/config';
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
  /** `replay`: a capture spool directory, or a capture queue (or its dead-letter queue). */
  dir?: string;
  queueUrl?: string;
}

export interface CliContext {
  flags: CliFlags;
  store: InstallationsStore;
  /** The functions' configuration, parsed on first use (listing needs only the table). */
  config(): Config;
  /** Built on first use: it needs the client id and secret, which listing does not. */
  vault(): TokenVault;
  out(text: string): void;
  nowMs(): number;
  /** Set to 1 by a command that finished but left work undone (`replay` with events still captured). */
  exitCode: number;
}

/** A wrong command line: usage is printed and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
