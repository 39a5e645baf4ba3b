import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFormBody } from '../../lib/form';
import { parseLifecycleEvent } from '../../lib/schemas';
import { phpFormBody } from '../../local/oauth-emulator';
import type { Measurement } from './measure';
import { median } from './measure';

const root = join(__dirname, '..', '..');

/** Cold init of a bundle: `require` time in a fresh Node process, median of `runs`. */
export function coldInitMs(bundle: string, runs = 20): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })));
  return median(times);
}

function sampleBody(): Buffer {
  const token = 'be45f06600a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
  return Buffer.from(
    phpFormBody({
      event: 'ONAPPINSTALL',
      event_handler_id: '58',
      data: { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'ru' },
      ts: '1727018926',
      auth: {
        access_token: token,
        expires: '1727022526',
        expires_in: '3600',
        scope: 'crm,placement,user_brief',
        domain: 'example.bitrix24.com',
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        status: 'L',
        client_endpoint: 'https://example.bitrix24.com/rest/',
        member_id: '010b6886ebc205e43ae65000ee00addb',
        user_id: '1',
        refresh_token: token,
        application_token: '3c6c9248ec54af6bea1159b43ee0ab32',
      },
    }),
  );
}

/** Decode + parse + validate of one install event, in microseconds (median of 5 rounds). */
export function perEventMicros(iterations = 20_000): number {
  const body = sampleBody();
  const contentType = 'application/x-www-form-urlencoded';
  for (let i = 0; i < 2_000; i++) parseLifecycleEvent(decodeFormBody(contentType, body)); // warm up
  const rounds = Array.from({ length: 5 }, () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) parseLifecycleEvent(decodeFormBody(contentType, body));
    return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
  });
  return median(rounds);
}

export async function run(): Promise<Measurement[]> {
  const bundle = join(root, 'dist', 'events.js');
  return [
    { name: 'dist/events.js size', value: Math.round(statSync(bundle).size / 1024), unit: 'KB', budget: 500 },
    { name: 'dist/events.js cold init (median of 20 processes)', value: Math.round(coldInitMs(bundle) * 10) / 10, unit: 'ms', budget: 40 },
    { name: 'decode + parse + validate per event', value: Math.round(perEventMicros() * 10) / 10, unit: 'µs', budget: 25 },
  ];
}
