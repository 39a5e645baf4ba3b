import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { build } from 'esbuild';

/**
 * `npm run build`: one self-contained CommonJS bundle per Lambda function, `dist/<handler>.js`
 * exporting `handler`, the AWS SDK inside. `serverless package` bundles with the same options
 * (SERVERLESS_BUNDLE_OPTIONS, through esbuild.config.js).
 */
/** Lambda functions get credentials from the environment only: swap the SDK's full default chain for that link. */
export const lambdaCredentialsPlugin: Plugin = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: join(__dirname, 'lambda-credentials.ts') }));
  },
};

export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  // The SDK's ES module builds tree-shake about a third smaller than its CommonJS ones.
  mainFields: ['module', 'main'],
  sourcemap: 'external',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lambdaCredentialsPlugin],
};

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

async function main(): Promise<void> {
  const outdir = join(root, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const entryPoints = handlerEntryPoints();
  await build({ ...BUNDLE_OPTIONS, entryPoints, outdir });
  process.stdout.write(`built ${entryPoints.map((e) => `dist/${basename(e, '.ts')}.js`).join(', ')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
