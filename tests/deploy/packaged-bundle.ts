import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { httpApiEvent } from '../../local/http-api-event';
import { captureOutput } from '../support/capture-logs';

/** A function's zip, read in memory (no `unzip` binary needed), and its bundle run in a plain Node process. */
export function zipEntries(zip: Buffer): Record<string, Uint8Array> {
  return unzipSync(new Uint8Array(zip));
}

export function unzippedBytes(entries: Record<string, Uint8Array>): number {
  return Object.values(entries).reduce((sum, data) => sum + data.length, 0);
}

export function extractTo(entries: Record<string, Uint8Array>, dir: string): void {
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
}

export interface InvokeReply {
  statusCode: number;
  body: string;
}

/**
 * Requires the bundle in a fresh Node process with an empty environment (no AWS credentials, no
 * table) besides `env`, calls its `handler` with each event in turn, and returns what it answered.
 * The child's output (its JSON log lines) goes through the suite's log capture.
 */
export function invokeBundleRaw(bundle: string, events: unknown[], env: Record<string, string> = {}): unknown[] {
  const script = `
    const { handler } = require(${JSON.stringify(bundle)});
    (async () => {
      const replies = [];
      for (const event of ${JSON.stringify(events)}) replies.push(await handler(event));
      process.stdout.write('\\nREPLIES ' + JSON.stringify(replies) + '\\n');
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const output = execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 15_000 });
  captureOutput(output);
  const line = output.split('\n').find((l) => l.startsWith('REPLIES '));
  if (!line) throw new Error(`The bundle printed no replies:\n${output}`);
  return JSON.parse(line.slice('REPLIES '.length)) as unknown[];
}

/** `invokeBundleRaw` with HTTP API 2.0 events. */
export function invokeBundle(bundle: string, requests: { method: string; url: string; contentType?: string; body?: string }[]): InvokeReply[] {
  const events = requests.map((request) =>
    httpApiEvent({
      method: request.method,
      url: request.url,
      headers: request.contentType ? { 'content-type': request.contentType } : {},
      body: Buffer.from(request.body ?? ''),
    }),
  );
  return invokeBundleRaw(bundle, events) as InvokeReply[];
}

/** Requires the bundle in a fresh Node process with an empty environment; what type its `handler` export is. */
export function bundleHandlerType(bundle: string): string {
  const output = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`], {
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return output.trim();
}
