import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { build } from 'esbuild';

/**
 * `npm run build`:
 * - one self-contained CommonJS bundle per Lambda function, `dist/<handler>.js` exporting
 *   `handler`, the AWS SDK inside (serverless.yml's esbuild settings mirror these);
 * - the library, `dist/index.js` with declarations in `dist/types/` (package.json `main`/`types`),
 *   its dependencies left to the consuming service's node_modules;
 * - the CLI, `dist/cli.js` (package.json `bin`: `b24-installs`).
 */
/** Lambda functions get credentials from the environment only: swap the SDK's full default chain for that link. */
export const lambdaCredentialsPlugin: Plugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: join(__dirname, 'lambda-credentials.ts') }));
  },
};

const COMMON_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // The SDK's ES module builds tree-shake about a third smaller than its CommonJS ones.
  mainFields: ['module', 'main'],
  sourcemap: 'external',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
};

export const BUNDLE_OPTIONS: BuildOptions = { ...COMMON_OPTIONS, minify: true, plugins: [lambdaCredentialsPlugin] };

/**
 * serverless-esbuild's options (esbuild.config.js): the same, but what the Lambda zips do differently.
 * No source map: Lambda never reads one without --enable-source-maps (slower cold starts), and it
 * would more than double the unzipped size; `npm run build` at the same commit writes the same code
 * and its map. Nothing external: serverless-esbuild would otherwise leave `aws-sdk` (v2) out.
 */
export const SERVERLESS_BUNDLE_OPTIONS: BuildOptions & { exclude: string[] } = { ...BUNDLE_OPTIONS, sourcemap: false, exclude: [] };

const root = join(__dirname, '..');

export function handlerEntryPoints(): string[] {
  return readdirSync(join(root, 'handlers'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(root, 'handlers', name));
}

/** The library for services: not minified (their stack traces), and its dependencies resolved from their node_modules. */
export async function buildLibrary(outdir: string): Promise<void> {
  await build({ ...COMMON_OPTIONS, entryPoints: [join(root, 'index.ts')], outdir, packages: 'external' });
}

/** An operator's tool: the full credential chain (profiles, SSO), unlike the Lambda bundles. */
async function buildCli(outdir: string): Promise<void> {
  await build({ ...COMMON_OPTIONS, minify: true, entryPoints: { cli: join(root, 'cli', 'main.ts') }, outdir, banner: { js: '#!/usr/bin/env node' } });
  chmodSync(join(outdir, 'cli.js'), 0o755);
}

function buildDeclarations(): void {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

async function main(): Promise<void> {
  const outdir = join(root, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const entryPoints = handlerEntryPoints();
  await Promise.all([build({ ...BUNDLE_OPTIONS, entryPoints, outdir }), buildLibrary(outdir), buildCli(outdir)]);
  buildDeclarations();
  process.stdout.write(`built ${entryPoints.map((e) => `dist/${basename(e, '.ts')}.js`).join(', ')}; library dist/index.js (+ dist/types); CLI dist/cli.js\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
