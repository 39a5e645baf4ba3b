import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { startLocalStack } from '../../local/stack';
import type { InstallPageRequest } from '../../local/oauth-emulator';
import { phpFormBody } from '../../local/oauth-emulator';
import type { InstallationsStore } from '../../lib/installations-store';
import { createDynamoStore } from '../../lib/installations-store';
import { rememberSecrets } from './secrets';

/**
 * The whole local stack (dynalite in memory, OAuth-server emulator, HTTP server in front of the
 * real handlers) for one test file, on free loopback ports.
 */
export interface TestStack extends LocalStack {
  store: InstallationsStore;
  /** POSTs a form body as Bitrix24 does (PHP `http_build_query` encoding) over real HTTP. */
  postForm(path: string, fields: Record<string, unknown> | string, headers?: Record<string, string>): Promise<TestResponse>;
  request(path: string, init?: RequestInit): Promise<TestResponse>;
  /** POSTs the install page as the portal's iframe does: `query` in the URL, `body` form-encoded (none when empty). */
  postInstallPage(page: Partial<InstallPageRequest>): Promise<TestResponse>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function toTestResponse(response: Response): Promise<TestResponse> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // an HTML page or an empty body
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function startTestStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const stack = await startLocalStack({ ...options, env: { DYNAMODB_TIMEOUT_MS: '1000', OAUTH_TIMEOUT_MS: '1000', ...options.env } });
  const store = createDynamoStore({
    tableName: stack.config.INSTALLATIONS_TABLE,
    timeoutMs: 2_000,
    endpoint: stack.dynamoEndpoint,
    region: 'us-east-1',
  });
  const request = async (path: string, init: RequestInit = {}) =>
    toTestResponse(await fetch(`${stack.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) }));
  return {
    ...stack,
    store,
    request,
    postForm: (path, fields, headers = {}) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: typeof fields === 'string' ? fields : phpFormBody(fields),
      }),
    postInstallPage: ({ query = {}, body = {} }) => {
      const search = new URLSearchParams(query).toString();
      const path = `/bitrix24/install${search ? `?${search}` : ''}`;
      if (Object.keys(body).length === 0) return request(path, { method: 'POST' });
      return request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: phpFormBody(body) });
    },
    async close() {
      rememberSecrets([...stack.emulator.secrets(), stack.env.BITRIX24_CLIENT_SECRET ?? '']);
      await stack.close();
    },
  };
}

/** `beforeAll`/`afterAll` wiring: the returned getter gives the running stack inside tests. */
export function useTestStack(options: LocalStackOptions = {}): () => TestStack {
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack(options);
  });
  afterAll(async () => {
    await stack?.close();
  });
  return () => {
    if (!stack) throw new Error('stack not started');
    return stack;
  };
}
