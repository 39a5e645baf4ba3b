import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lib/config';
import { isReceiverError } from '../lib/errors';
import { receiverDeps } from '../lib/receiver-deps';
import type { ReplayReport } from '../lib/replay-sources';
import { replayComplete, replayQueue, replaySpool } from '../lib/replay-sources';
import { DEFAULT_EMULATED_APP } from './oauth-emulator';

/**
 * `npm run replay` (to become `b24-installs replay`): applies durably captured events to the
 * installations table, through the same state machine as live events. Safe to run again: a
 * replayed event changes nothing the second time.
 */
export const REPLAY_USAGE = `Usage: npm run replay -- [--dir <path> | --queue-url <url>] [--local] [--json]

Replays events that durable capture kept while the installations table was unavailable.
  --dir <path>        a spool directory (default: CAPTURE_DIR, else .data/capture)
  --queue-url <url>   an SQS capture queue, or its dead-letter queue (default: CAPTURE_QUEUE_URL)
  --local             fill unset configuration with \`npm start\`'s (dynalite on DYNAMODB_PORT or 8000,
                      the emulator on EMULATOR_PORT or 8100, spool in DATA_DIR/capture)
  --json              print the report as JSON
Configuration otherwise comes from the environment, as for the functions (INSTALLATIONS_TABLE,
BITRIX24_CLIENT_ID, BITRIX24_OAUTH_SERVERS, AWS_REGION, AWS credentials).
Exit status: 0 when every event was settled, 1 when some remain captured, 2 on a usage or configuration error.`;

/** `npm start`'s configuration, for keys the environment leaves unset. */
export function localDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    INSTALLATIONS_TABLE: 'b24-installations-local',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${env.DYNAMODB_PORT ?? 8000}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    BITRIX24_CLIENT_ID: DEFAULT_EMULATED_APP.clientId,
    BITRIX24_OAUTH_SERVERS: `http://127.0.0.1:${env.EMULATOR_PORT ?? 8100}`,
    CAPTURE_DIR: resolve(env.DATA_DIR ?? '.data', 'capture'),
    ...env,
  };
}

function summary(report: ReplayReport): string {
  const count = (status: string) => report.results.filter((r) => r.status === status).length;
  const lines = [
    `replayed ${report.source}: ${count('applied')} applied, ${count('rejected')} rejected, ${count('failed')} failed, ${count('deferred')} deferred` +
      (report.unreadable.length ? `, ${report.unreadable.length} unreadable` : ''),
    ...report.results.map(
      (r) => `  ${r.status.padEnd(9)}${r.event.padEnd(15)}${r.memberId}  ts=${r.ts}${r.outcome ? `  ${r.outcome}` : ''}${r.reason ? `  (${r.reason})` : ''}`,
    ),
    ...report.unreadable.map((name) => `  unreadable ${name} (left in place)`),
  ];
  return `${lines.join('\n')}\n`;
}

export async function replayCommand(argv: string[], baseEnv: NodeJS.ProcessEnv): Promise<{ exitCode: number; output: string }> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { dir: { type: 'string' }, 'queue-url': { type: 'string' }, local: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (error) {
    return { exitCode: 2, output: `${(error as Error).message}\n\n${REPLAY_USAGE}\n` };
  }
  if (args.help) return { exitCode: 0, output: `${REPLAY_USAGE}\n` };
  const env = args.local ? localDefaults(baseEnv) : baseEnv;
  try {
    const config = loadConfig(env);
    const deps = receiverDeps(config);
    const queueUrl = args['queue-url'] ?? (args.dir ? undefined : config.CAPTURE_QUEUE_URL);
    const report = queueUrl
      ? await replayQueue(deps, { queueUrl, timeoutMs: config.CAPTURE_TIMEOUT_MS, region: config.AWS_REGION })
      : await replaySpool(deps, resolve(args.dir ?? config.CAPTURE_DIR));
    const output = args.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report);
    return { exitCode: replayComplete(report) ? 0 : 1, output };
  } catch (error) {
    const message = isReceiverError(error) ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { exitCode: 2, output: `replay failed, every event is left where it was: ${message}\n` };
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void replayCommand(process.argv.slice(2), process.env).then(({ exitCode, output }) => {
    (exitCode === 2 ? process.stderr : process.stdout).write(output);
    process.exitCode = exitCode;
  });
}
