import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_LOG_DIR } from './paths';

/**
 * Every byte a test process writes to stdout or stderr (Powertools logs there directly) is copied
 * to a file; the global teardown reads them all and fails the run if any secret that the suite
 * used appears in any line. JSON log lines are kept off the terminal; everything else (jest's own
 * report, when it runs in this process) still shows.
 */
mkdirSync(TEST_LOG_DIR, { recursive: true });
const file = join(TEST_LOG_DIR, `worker-${process.pid}.log`);

/** Every line this test process has written so far (JSON log lines included): for tests that assert a log line exists. */
export function capturedLines(): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export function captureOutput(chunk: unknown): void {
  appendFileSync(file, typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : String(chunk));
}

function isLogLine(chunk: unknown): boolean {
  const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8', 0, 10) : '';
  return text.startsWith('{"level"');
}

function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
    captureOutput(chunk);
    if (!isLogLine(chunk)) return write(chunk as string, encoding as BufferEncoding, callback as () => void);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof stream.write;
}

capture(process.stdout);
capture(process.stderr);
