import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../cli/run';
import { captureOutput } from '../support/capture-logs';
import { useTestStack } from '../support/stack';
import { installedPortal } from '../support/vault';

/** `b24-installs` against the test stack's table and emulator, as an operator would run it. */
const stack = useTestStack();

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env: { ...stack().env }, out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('list', () => {
  test('shows every installation with its state and domain, tokens nowhere', async () => {
    const portal = await installedPortal(stack());
    const { code, out } = await cli('list');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`${portal.memberId}\\s+active\\s+${portal.domain.replace(/\./g, '\\.')}`));
    expect(out).not.toContain(portal.accessToken);
    expect(out).not.toContain(portal.refreshToken);
  });

  test('--json is one JSON array, tokens masked', async () => {
    const portal = await installedPortal(stack());
    const { code, out, err } = await cli('list', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const items = JSON.parse(out) as Record<string, unknown>[];
    const item = items.find((i) => i.member_id === portal.memberId);
    expect(item).toMatchObject({ state: 'active', access_token: `${portal.accessToken.slice(0, 4)}…(${portal.accessToken.length})` });
    expect(out).not.toContain(portal.refreshToken);
  });
});

describe('show', () => {
  test('prints the stored item with tokens masked, or in clear with --reveal', async () => {
    const portal = await installedPortal(stack());
    const masked = await cli('show', portal.memberId);
    expect(masked.code).toBe(0);
    expect(JSON.parse(masked.out)).toMatchObject({ member_id: portal.memberId, state: 'active', domain: portal.domain });
    expect(masked.out).not.toContain(portal.accessToken);
    const revealed = await cli('show', portal.memberId, '--reveal');
    expect(JSON.parse(revealed.out)).toMatchObject({ access_token: portal.accessToken, refresh_token: portal.refreshToken });
  });

  test('an unknown member_id fails with not_installed (exit 1)', async () => {
    const { code, err } = await cli('show', 'abcdefabcdefabcdefabcdefabcdef00');
    expect(code).toBe(1);
    expect(err).toContain('not_installed');
  });
});

describe('token', () => {
  test('gives the access token a service would get: masked, or in clear with --reveal', async () => {
    const portal = await installedPortal(stack());
    const masked = await cli('token', portal.memberId);
    expect(masked.code).toBe(0);
    expect(masked.out).toMatch(/access_token\s+\S+…\(\d+\)/);
    expect(masked.out).not.toContain(portal.accessToken);
    const revealed = await cli('token', portal.memberId, '--reveal', '--json');
    expect(JSON.parse(revealed.out)).toMatchObject({ member_id: portal.memberId, access_token: portal.accessToken, source: 'stored' });
  });
});

describe('refresh', () => {
  test('refreshes now, through the vault, although the token is still valid', async () => {
    const { emulator, store } = stack();
    const portal = await installedPortal(stack(), 3600);
    const { code, out } = await cli('refresh', portal.memberId, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ source: 'refreshed' });
    expect(emulator.refreshCount(portal.memberId)).toBe(1);
    expect(await store.get(portal.memberId)).toMatchObject({ refresh_token: portal.refreshToken });
  });
});

describe('forget', () => {
  test('refuses without --yes (exit 2) and deletes the item with it', async () => {
    const { store } = stack();
    const portal = await installedPortal(stack());
    expect((await cli('forget', portal.memberId)).code).toBe(2);
    expect(await store.get(portal.memberId)).toBeDefined();
    const { code, out } = await cli('forget', portal.memberId, '--yes');
    expect(code).toBe(0);
    expect(out).toContain(`forgot ${portal.memberId}`);
    expect(await store.get(portal.memberId)).toBeUndefined();
  });
});

describe('usage', () => {
  test.each([
    [['frobnicate'], 'Unknown command'],
    [['show'], 'show takes <member_id>'],
    [['show', '../x'], 'member_id must be'],
    [['list', '--colour'], 'Unknown option'],
    [[], 'Usage: b24-installs'],
  ])('%j exits 2 with a clear message', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  test('--help lists every command and exits 0', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    for (const name of ['list', 'show', 'token', 'refresh', 'forget', 'replay']) expect(out).toContain(`  ${name}`);
  });

  test('--local reads the environment `npm start` wrote', async () => {
    const portal = await installedPortal(stack());
    const dataDir = mkdtempSync(join(tmpdir(), 'b24-cli-'));
    writeFileSync(join(dataDir, 'local-env.json'), JSON.stringify(stack().env));
    const out: string[] = [];
    const code = await runCli(['show', portal.memberId, '--local'], { env: { DATA_DIR: dataDir }, out: (t) => out.push(t), err: () => undefined });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ member_id: portal.memberId });
    const missing = await runCli(['list', '--local'], { env: { DATA_DIR: join(dataDir, 'nowhere') }, out: () => undefined, err: (t) => out.push(t) });
    expect(missing).toBe(1);
    expect(out.at(-1)).toContain('is `npm start` running?');
  });
});

describe('replay', () => {
  test('an empty spool: nothing to do, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b24-cli-spool-'));
    const { code, out } = await cli('replay', '--dir', dir);
    expect(code).toBe(0);
    expect(out).toContain('0 applied, 0 rejected, 0 failed, 0 deferred');
  });

  test('a file that is not a capture is left in place and the exit code says work remains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'b24-cli-spool-'));
    writeFileSync(join(dir, '000000000000001-garbage.json'), '{"not":');
    const { code, out } = await cli('replay', '--dir', dir, '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ unreadable: ['000000000000001-garbage.json'] });
  });
});

test('the entry point runs as its own process', async () => {
  const portal = await installedPortal(stack());
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'cli', 'main.ts'), 'show', portal.memberId, '--json'], {
    env: { ...process.env, ...stack().env },
  });
  captureOutput(stdout);
  captureOutput(stderr);
  expect(JSON.parse(stdout)).toMatchObject({ member_id: portal.memberId, state: 'active' });
}, 20_000);
