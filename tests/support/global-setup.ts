import { mkdirSync, rmSync } from 'node:fs';
import { TEST_LOG_DIR } from './paths';

export default function globalSetup(): void {
  rmSync(TEST_LOG_DIR, { recursive: true, force: true });
  mkdirSync(TEST_LOG_DIR, { recursive: true });
}
