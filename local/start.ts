import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { localEnvFile } from '../cli/context';
import { startLocalStack } from './stack';

/** `npm start`: the receiver on one laptop, with an embedded DynamoDB and a Bitrix24 OAuth-server emulator. */
async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data', 'dynamodb');
  const captureDir = resolve(process.env.DATA_DIR ?? '.data', 'capture');
  const envFile = localEnvFile(process.env);
  mkdirSync(dataDir, { recursive: true });
  const stack = await startLocalStack({
    dataDir,
    captureDir,
    port: Number(process.env.PORT ?? 3000),
    dynamoPort: Number(process.env.DYNAMODB_PORT ?? 8000),
    emulatorPort: Number(process.env.EMULATOR_PORT ?? 8100),
  });
  const lines = [
    'b24-install-receiver is running locally',
    `  install callback  POST ${stack.url}/bitrix24/events`,
    `  install page      POST ${stack.url}/bitrix24/install`,
    `  durable capture   ${captureDir}  (replay with: npm run replay -- --local, or b24-installs replay --local)`,
    `  access tokens     GET  ${stack.url}/installations/{member_id}/token   (no IAM locally: anyone on this machine)`,
    `  DynamoDB (dynalite, data in ${dataDir})  ${stack.dynamoEndpoint}  table ${stack.config.INSTALLATIONS_TABLE}`,
    `  Bitrix24 OAuth-server emulator  ${stack.emulator.origin}  (client id ${stack.config.BITRIX24_CLIENT_ID})`,
    '',
    'Try it: npm run demo   (a simulated portal installs the app, gets a token, then uninstalls it)',
    `        npm run cli -- list --local   (the environment for --local is in ${envFile})`,
    'Stop: Ctrl+C',
  ];
  // For `b24-installs --local`: the emulator's client secret is minted per run and means nothing elsewhere.
  writeFileSync(envFile, JSON.stringify(stack.env, null, 2), { mode: 0o600 });
  process.stderr.write(`${lines.join('\n')}\n`);
  const stop = () =>
    void stack.close().then(() => {
      rmSync(envFile, { force: true });
      process.exit(0);
    });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write('Is another copy running? Ports can be changed with PORT, DYNAMODB_PORT and EMULATOR_PORT.\n');
  process.exit(1);
});
