import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `npm run package`: `serverless package` (osls) with no AWS credentials and no network, writing
 * the CloudFormation template and one zip per function to `.serverless/`. The template tests
 * (tests/deploy/) package through the same function.
 *
 * Deploying is `npx serverless deploy …` (README, Deploy), never this output: without
 * `--param clientId=…` it carries a placeholder client id.
 */
export const PLACEHOLDER_CLIENT_ID = 'app.placeholder-not-for-deploy';

export interface PackageOptions {
  stage: string;
  region: string;
  /** `--param` values (`clientId`, `oauthServers`). */
  params: Record<string, string>;
  /** Where the template and zips go (osls `--package`). */
  outDir: string;
  /** Extra environment for osls (the tests pass a sentinel client secret to prove it goes nowhere). */
  env?: Record<string, string>;
  /** Receives everything osls prints. */
  onOutput?: (chunk: Buffer) => void;
}

const root = join(__dirname, '..');

/**
 * The child's environment: no credentials, profiles or instance metadata to fall back on, so a
 * packaging step that tried to reach AWS would fail here rather than quietly work on a developer's laptop.
 */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[name];
  return { ...env, AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' };
}

export function packageService(options: PackageOptions): Promise<void> {
  const args = [require.resolve('osls/bin/serverless.js'), 'package', '--stage', options.stage, '--region', options.region, '--package', options.outDir];
  for (const [key, value] of Object.entries(options.params)) args.push('--param', `${key}=${value}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: offlineEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    const collect = (chunk: Buffer) => {
      output.push(chunk);
      options.onOutput?.(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`serverless package exited with ${code}:\n${Buffer.concat(output).toString('utf8').trim()}`));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'dev' },
      region: { type: 'string', default: 'eu-central-1' },
      param: { type: 'string', multiple: true, default: [] },
    },
  });
  const params: Record<string, string> = { clientId: PLACEHOLDER_CLIENT_ID };
  for (const entry of values.param) {
    const [key, ...rest] = entry.split('=');
    if (!key || rest.length === 0) throw new Error(`--param takes key=value, got "${entry}"`);
    params[key] = rest.join('=');
  }
  const outDir = join(root, '.serverless');
  await packageService({ stage: values.stage, region: values.region, params, outDir, onOutput: (chunk) => process.stdout.write(chunk) });
  process.stdout.write(`\nTemplate and zips in .serverless/ (stage ${values.stage}, region ${values.region}, client id ${params.clientId}).\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
