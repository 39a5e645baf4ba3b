import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildLibrary } from '../../scripts/build';
import { captureOutput } from '../support/capture-logs';
import { useTestStack } from '../support/stack';
import { installedPortal } from '../support/vault';

/**
 * `import { createTokenVault } from 'b24-install-receiver'` for a Node service: the built library
 * (what package.json `main` points at) required by a plain Node process with the handlers' environment.
 */
const stack = useTestStack();
const root = join(__dirname, '..', '..');
// Inside the repository, so that its dependencies resolve from node_modules as they would in a service.
const outdir = join(root, '.data', 'test-library');
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('the built library gives a service a token with nothing but the environment', async () => {
  await buildLibrary(outdir);
  const portal = await installedPortal(stack(), 60);
  const script = `
    const { createHash } = require('node:crypto');
    const { createTokenVault, isReceiverError } = require(${JSON.stringify(join(outdir, 'index.js'))});
    const vault = createTokenVault();
    Promise.all([vault.getAccessToken(process.env.MEMBER_ID), vault.getAccessToken('0123456789abcdef0123456789abcdef').catch((e) => e)])
      .then(([token, missing]) => process.stdout.write(JSON.stringify({
        tokenSha256: createHash('sha256').update(token.accessToken).digest('hex'),
        expiresAt: token.expiresAt,
        domain: token.domain,
        missing: isReceiverError(missing) && missing.code,
      })));
  `;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, ...stack().env, MEMBER_ID: portal.memberId } });
  captureOutput(stdout);
  captureOutput(stderr);
  // The stored token was about to expire: the service got the refreshed one.
  expect(JSON.parse(stdout)).toEqual({
    tokenSha256: createHash('sha256').update(portal.accessToken).digest('hex'),
    expiresAt: portal.accessExpiresAt,
    domain: portal.domain,
    missing: 'not_installed',
  });
  expect(stack().emulator.refreshCount(portal.memberId)).toBe(1);
  // Its dependencies stay external: the service's own AWS SDK and zod are used.
  expect(readFileSync(join(outdir, 'index.js'), 'utf8')).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
}, 20_000);
