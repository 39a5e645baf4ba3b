import { findLeaks, readCaptured } from './leak-check';
import { TEST_LOG_DIR } from './paths';

/**
 * The suite-wide secret check: every log line any test produced, against every secret any test
 * used. A partial run (a single file, `-t`) may have nothing to compare and passes quietly.
 */
export default function globalTeardown(): void {
  const { logs, secrets, lineCount } = readCaptured(TEST_LOG_DIR);
  const leaks = findLeaks(logs, secrets);
  if (leaks.length > 0) {
    throw new Error(`${leaks.length} log line(s) contain a secret value:\n${leaks.slice(0, 10).join('\n')}`);
  }
  process.stdout.write(`\nSecret leak check: ${lineCount} log lines against ${secrets.size} secret values, no leak.\n`);
}
