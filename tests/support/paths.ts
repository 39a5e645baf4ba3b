import { join } from 'node:path';

/** Where the suite keeps every log line it produced, and every secret it used, for the leak check. */
export const TEST_LOG_DIR = join(__dirname, '..', '..', '.data', 'test-logs');
