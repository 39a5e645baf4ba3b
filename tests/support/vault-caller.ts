import { createHash } from 'node:crypto';
import { createTokenVault } from '../../index';

/**
 * A separate OS process calling the vault through the package's public entry, for the
 * multi-process tests. It prints `ready`, waits for a line on stdin, makes CALLS concurrent
 * getAccessToken calls and prints one `RESULT {...}` line: digests of the tokens, never the tokens.
 */
const memberId = process.env.MEMBER_ID ?? '';
const calls = Number(process.env.CALLS ?? '25');
const vault = createTokenVault();
const digest = (value: string) => createHash('sha256').update(value).digest('hex');

process.stdin.once('data', () => {
  void Promise.allSettled(Array.from({ length: calls }, () => vault.getAccessToken(memberId))).then((results) => {
    const outcomes = results.map((r) => (r.status === 'fulfilled' ? digest(r.value.accessToken) : `error:${(r.reason as { code?: string }).code ?? 'unknown'}`));
    process.stdout.write(`RESULT ${JSON.stringify({ pid: process.pid, outcomes })}\n`, () => process.exit(0));
  });
});
process.stdout.write('ready\n');
