import { statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFormBody, parseForm } from '../../lib/form';
import { parseInstallPagePost } from '../../lib/install-page';
import { phpFormBody } from '../../local/oauth-emulator';
import { coldInitMs } from './events';
import type { Measurement } from './measure';
import { median } from './measure';

const root = join(__dirname, '..', '..');

/** The apidocs example of the page POST: DOMAIN and friends in the query string, the rest in the body. */
function samplePage(): { query: string; body: Buffer } {
  const token = '4172bb6600705a0700005a4b00000001f0f107c42ca5bd5f61030c5d9c3e4d60d11b5a';
  return {
    query: new URLSearchParams({ DOMAIN: 'xxx.bitrix24.com', PROTOCOL: '1', LANG: 'en', APP_SID: '588b8a98e848778a4ffb38fbcf70f2b9' }).toString(),
    body: Buffer.from(
      phpFormBody({
        AUTH_ID: token,
        AUTH_EXPIRES: '3600',
        REFRESH_ID: token,
        SERVER_ENDPOINT: 'https://oauth.bitrix.info/rest/',
        APPLICATION_TOKEN: 'ec1b2074a9d3f5c81b6e40d27a95cf38',
        APPLICATION_SCOPE: 'crm,placement',
        member_id: 'da45a03b265edd8787f8a258d793cc5d',
        status: 'L',
        PLACEMENT: 'DEFAULT',
        PLACEMENT_OPTIONS: '{"ID":"19","URI":"\\/crm\\/deal\\/list\\/"}',
      }),
    ),
  };
}

/** Decode (query and body) + validate of one install page POST, in microseconds (median of 5 rounds). */
export function perPageMicros(iterations = 20_000): number {
  const { query, body } = samplePage();
  const contentType = 'application/x-www-form-urlencoded';
  const once = () => parseInstallPagePost(parseForm(query), decodeFormBody(contentType, body));
  for (let i = 0; i < 2_000; i++) once(); // warm up
  const rounds = Array.from({ length: 5 }, () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) once();
    return Number(process.hrtime.bigint() - start) / 1e3 / iterations;
  });
  return median(rounds);
}

export async function run(): Promise<Measurement[]> {
  const page = join(root, 'dist', 'install-page.js');
  const replay = join(root, 'dist', 'replay.js');
  return [
    { name: 'dist/install-page.js size', value: Math.round(statSync(page).size / 1024), unit: 'KB', budget: 500 },
    { name: 'dist/install-page.js cold init (median of 20 processes)', value: Math.round(coldInitMs(page) * 10) / 10, unit: 'ms', budget: 40 },
    // Two forms to decode (query and body) and a schema with more fields than an event's: a little dearer, and one per install.
    { name: 'decode + validate per install page POST', value: Math.round(perPageMicros() * 10) / 10, unit: 'µs', budget: 35 },
    { name: 'dist/replay.js size (no SQS client: Lambda hands it the messages)', value: Math.round(statSync(replay).size / 1024), unit: 'KB', budget: 400 },
    { name: 'dist/replay.js cold init (median of 20 processes)', value: Math.round(coldInitMs(replay) * 10) / 10, unit: 'ms', budget: 40 },
  ];
}
