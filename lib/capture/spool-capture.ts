import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CapturedEvent, CapturedItem } from './captured-event';
import { parseCapturedEvent } from './captured-event';
import type { EventCapture } from './event-capture';

/**
 * Local durable capture: one JSON file per event in a directory only its owner can read. Each file
 * is written under a temporary name, flushed to disk and renamed, so a reader never sees half an event.
 */
const SUFFIX = '.json';

function fileName(event: CapturedEvent): string {
  return `${String(event.captured_at).padStart(15, '0')}-${event.id}${SUFFIX}`;
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // Not every platform can fsync a directory; the file itself is already on disk.
  }
}

export function createSpoolCapture(dir: string): EventCapture {
  const directory = resolve(dir);
  return {
    target: directory,
    async put(event) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const temporary = join(directory, `.${event.id}.tmp`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(event), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(directory, fileName(event)));
      await syncDirectory(directory);
    },
  };
}

export interface SpoolContents {
  items: CapturedItem[];
  /** Files that are not captured events (left in place, named so an operator can look). */
  unreadable: string[];
}

/** Every captured event in the spool directory; `ack` deletes its file. A missing directory is an empty spool. */
export async function readSpool(dir: string): Promise<SpoolContents> {
  const directory = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith(SUFFIX)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], unreadable: [] };
    throw error;
  }
  const contents: SpoolContents = { items: [], unreadable: [] };
  for (const name of names) {
    const path = join(directory, name);
    const event = parseCapturedEvent(await readFile(path, 'utf8'));
    if (!event) contents.unreadable.push(name);
    else contents.items.push({ event, ack: () => rm(path, { force: true }) });
  }
  return contents;
}
