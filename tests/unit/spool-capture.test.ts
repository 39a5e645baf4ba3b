import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Delivery } from '../../lib/delivery';
import { capturedEvent } from '../../lib/capture/captured-event';
import { createSpoolCapture, readSpool } from '../../lib/capture/spool-capture';
import { rememberSecrets } from '../support/secrets';

const delivery: Delivery = {
  kind: 'uninstall',
  member_id: 'a223c6b3710f85df22e9377d6c4f7553',
  domain: 'portal.bitrix24.com',
  application_token: '51856fefc120afa4b628cc82d3935cce',
  ts: 1_466_439_714,
};
rememberSecrets([delivery.application_token]);

describe('the spool directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'b24-spool-')), 'capture');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  test('keeps each event in a file only its owner can read, and leaves no temporary file behind', async () => {
    await createSpoolCapture(dir).put(capturedEvent(delivery, { kind: 'unverified', reason: 'test' }, 1_000));
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^000000000001000-[0-9a-f-]{36}\.json$/);
    expect(statSync(join(dir, names[0]!)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  test('reads back what it kept, in capture order, and ack removes it', async () => {
    const capture = createSpoolCapture(dir);
    const second = capturedEvent(delivery, { kind: 'unverified', reason: 'test' }, 2_000);
    const first = capturedEvent(delivery, { kind: 'unverified', reason: 'test' }, 1_000);
    await capture.put(second);
    await capture.put(first);
    const spool = await readSpool(dir);
    expect(spool.items.map((item) => item.event)).toEqual([first, second]);
    await spool.items[0]!.ack();
    expect((await readSpool(dir)).items.map((item) => item.event.id)).toEqual([second.id]);
  });

  test('a directory that does not exist yet is an empty spool', async () => {
    expect(await readSpool(join(dir, 'nothing-here'))).toEqual({ items: [], unreadable: [] });
  });
});
