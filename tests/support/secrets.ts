import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_LOG_DIR } from './paths';

/** Records secret values the suite used (tokens, application tokens, client secrets) for the leak check. */
export function rememberSecrets(values: Iterable<string>): void {
  mkdirSync(TEST_LOG_DIR, { recursive: true });
  const lines = [...values].filter((value) => value.length >= 8);
  if (lines.length > 0) appendFileSync(join(TEST_LOG_DIR, `secrets-${process.pid}.txt`), `${lines.join('\n')}\n`);
}
