import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as events from './bench/events';
import * as installPage from './bench/install-page';
import * as vault from './bench/vault';
import type { Measurement } from './bench/measure';
import { withinBudget } from './bench/measure';

/**
 * `npm run bench`: builds, then runs every section in scripts/bench/ and prints each figure
 * against its budget. Exits 1 when a figure is over budget. Speed lives here, not in tests.
 */
const SECTIONS: { title: string; run(): Promise<Measurement[]> }[] = [
  { title: 'events', run: events.run },
  { title: 'install page and replay', run: installPage.run },
  { title: 'token vault', run: vault.run },
];

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'build.ts')], { stdio: 'inherit' });
  let failed = 0;
  for (const section of SECTIONS) {
    process.stdout.write(`\n${section.title}\n`);
    for (const m of await section.run()) {
      const ok = withinBudget(m);
      if (!ok) failed++;
      const budget = m.budget === undefined ? '' : ` (budget ${m.exact ? '=' : '≤'} ${m.budget} ${m.unit})`;
      process.stdout.write(`  ${ok ? 'ok  ' : 'OVER'} ${m.name}: ${m.value} ${m.unit}${budget}\n`);
    }
  }
  if (failed > 0) {
    process.stdout.write(`\n${failed} figure(s) over budget\n`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
