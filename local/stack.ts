import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../lib/config';
import { loadConfig } from '../lib/config';
import { ensureInstallationsTable } from '../lib/installations-store';
import { startDynalite } from './dynalite';
import { createLocalServer, listen } from './http-server';
import { DEFAULT_EMULATED_APP, OAuthEmulator } from './oauth-emulator';
import { localRoutes } from './routes';

/**
 * Everything `npm start` runs, in one process: dynalite, the OAuth-server emulator and the HTTP
 * server in front of the handlers. The tests start the same stack (in memory, on free ports).
 */
export interface LocalStack {
  url: string;
  config: Config;
  /** The environment the handlers run with, as a deployed function would see it. */
  env: Record<string, string>;
  emulator: OAuthEmulator;
  dynamoEndpoint: string;
  /** Where durable capture spools events the table could not take. */
  captureDir: string;
  /** Stops and restarts DynamoDB on the same port, as an outage would. Data survives only when persisted (`dataDir`). */
  dynamo: { stop(): Promise<void>; start(): Promise<void> };
  server: http.Server;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  /** Persist DynamoDB here; in memory when absent. */
  dataDir?: string;
  /** The capture spool; a fresh temporary directory (removed on close) when absent. */
  captureDir?: string;
  port?: number;
  dynamoPort?: number;
  emulatorPort?: number;
  /** Extra or overriding environment (timeouts, table name...). */
  env?: Record<string, string>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // A fresh secret per run: the emulator's portals live in memory and end with the process anyway.
  const app = { clientId: DEFAULT_EMULATED_APP.clientId, clientSecret: randomBytes(24).toString('hex') };
  const emulator = await new OAuthEmulator({ apps: [app] }).listen(options.emulatorPort ?? 0);
  const dynaliteOptions = { ...(options.dataDir ? { path: options.dataDir } : {}) };
  let dynamo = await startDynalite({ ...dynaliteOptions, port: options.dynamoPort ?? 0 });
  const dynamoPort = Number(new URL(dynamo.endpoint).port);
  let dynamoRunning = true;
  const temporaryCaptureDir = options.captureDir ? undefined : mkdtempSync(join(tmpdir(), 'b24-capture-'));
  const captureDir = options.captureDir ?? temporaryCaptureDir!;
  const env: Record<string, string> = {
    INSTALLATIONS_TABLE: 'b24-installations-local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    BITRIX24_CLIENT_ID: app.clientId,
    BITRIX24_CLIENT_SECRET: app.clientSecret,
    BITRIX24_OAUTH_SERVERS: emulator.origin,
    CAPTURE_DIR: captureDir,
    ...options.env,
  };
  // dynalite accepts any credentials, but the SDK insists on having some.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  // Lambda runs Node 22; on an older local Node the SDK's support notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = loadConfig(env);
  const ensureTable = () => ensureInstallationsTable({ tableName: config.INSTALLATIONS_TABLE, timeoutMs: 5_000, endpoint: dynamo.endpoint, region: env.AWS_REGION });
  await ensureTable();
  const server = createLocalServer(localRoutes(config));
  const url = await listen(server, options.port ?? 0);
  return {
    url,
    config,
    env,
    emulator,
    dynamoEndpoint: dynamo.endpoint,
    captureDir,
    dynamo: {
      async stop() {
        if (!dynamoRunning) return;
        dynamoRunning = false;
        await dynamo.close();
      },
      async start() {
        if (dynamoRunning) return;
        dynamo = await startDynalite({ ...dynaliteOptions, port: dynamoPort });
        dynamoRunning = true;
        await ensureTable();
      },
    },
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
      if (dynamoRunning) await dynamo.close();
      if (temporaryCaptureDir) rmSync(temporaryCaptureDir, { recursive: true, force: true });
    },
  };
}
