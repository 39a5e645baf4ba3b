import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { isReceiverError } from '../lib/errors';
import { MemberId } from '../lib/schemas';
import type { CliFlags } from './command';
import { UsageError } from './command';
import { COMMANDS } from './commands';
import { cliEnvironment, createCliContext } from './context';

/** `b24-installs`: argument parsing, dispatch, and exit codes (0 done, 1 failed, 2 wrong usage). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => [c.name, ...c.args].join(' ').length));
  return [
    'Usage: b24-installs <command> [--json] [--reveal] [--local] [--yes] [--dir <path> | --queue-url <url>]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${[c.name, ...c.args].join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  --json    machine-readable output (one JSON document)',
    '  --reveal  show tokens in clear; they are masked otherwise',
    '  --local   the table and emulator of a running `npm start` (reads .data/local-env.json)',
    '  --yes     confirm `forget`',
    '  --dir <path>       `replay`: a capture spool directory (default CAPTURE_DIR, else .data/capture)',
    '  --queue-url <url>  `replay`: the SQS capture queue or its dead-letter queue (default CAPTURE_QUEUE_URL)',
    '',
    'Without --local: INSTALLATIONS_TABLE and the usual AWS environment (AWS_PROFILE, AWS_REGION...);',
    '`token` and `refresh` also need BITRIX24_CLIENT_ID and BITRIX24_CLIENT_SECRET_PARAMETER;',
    '`replay` needs the functions\' configuration. Exit codes: 0 done, 1 failed or left work (replay), 2 wrong usage.',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' },
        reveal: { type: 'boolean' },
        local: { type: 'boolean' },
        yes: { type: 'boolean' },
        dir: { type: 'string' },
        'queue-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (values.help || name === undefined) {
    (values.help ? io.out : io.err)(usage());
    return values.help ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command || args.length !== command.args.length) {
    io.err(`${command ? `${name} takes ${command.args.join(' ') || 'no arguments'}` : `Unknown command: ${name}`}\n\n${usage()}`);
    return 2;
  }
  if (command.args.includes('<member_id>') && !z.safeParse(MemberId, args[0]).success) {
    io.err('member_id must be letters, digits, dot, dash or underscore (Bitrix24 sends 32 hex characters)');
    return 2;
  }
  const flags: CliFlags = { json: values.json ?? false, reveal: values.reveal ?? false, yes: values.yes ?? false };
  if (values.dir !== undefined) flags.dir = values.dir;
  if (values['queue-url'] !== undefined) flags.queueUrl = values['queue-url'];
  try {
    const context = createCliContext(cliEnvironment(io.env, values.local ?? false), flags, io);
    await command.run(args, context);
    return context.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return 2;
    }
    if (isReceiverError(error)) {
      io.err(flags.json ? JSON.stringify(error.toJSON()) : `error: ${error.code}: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
