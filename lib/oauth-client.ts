import * as z from 'zod/mini';

/**
 * Calls to a Bitrix24 OAuth server. Contention and refusal are data, not exceptions:
 * - `refused`: the server answered and said no (4xx other than 408/429, or an error body);
 * - `unavailable`: no usable answer in time (timeout, connection error, 408, 429, 5xx, garbage).
 * The caller passes an origin it has already checked against the allowlist.
 */
export type OAuthResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'refused'; httpStatus: number; error: string }
  | { kind: 'unavailable'; reason: string };

const optionalString = z.optional(z.string());

export const AppInfo = z.object({
  result: z.object({
    client_id: optionalString,
    scope: optionalString,
    user_id: z.optional(z.union([z.number(), z.string()])),
    install: z.optional(
      z.object({
        installed: z.optional(z.boolean()),
        status: optionalString,
        scope: optionalString,
        domain: optionalString,
        client_endpoint: optionalString,
        member_id: optionalString,
      }),
    ),
  }),
});
export type AppInfo = z.infer<typeof AppInfo>['result'];

const optionalNumber = z.optional(z.coerce.number());

export const TokenResponse = z.object({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.string().check(z.minLength(1)),
  expires: optionalNumber,
  expires_in: optionalNumber,
  client_endpoint: optionalString,
  server_endpoint: optionalString,
  member_id: optionalString,
  scope: optionalString,
  status: optionalString,
  user_id: optionalNumber,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

const ErrorBody = z.object({ error: z.string() });

export interface RefreshRequest {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface OAuthClient {
  appInfo(origin: string, accessToken: string): Promise<OAuthResult<AppInfo>>;
  refresh(origin: string, request: RefreshRequest): Promise<OAuthResult<TokenResponse>>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createOAuthClient(options: { timeoutMs: number; fetch?: typeof fetch }): OAuthClient {
  const doFetch = options.fetch ?? fetch;

  async function call<T>(url: string, init: RequestInit, schema: z.ZodMiniType<T>): Promise<OAuthResult<T>> {
    let response: Response;
    let text: string;
    try {
      const signal = AbortSignal.timeout(options.timeoutMs);
      response = await doFetch(url, { ...init, redirect: 'manual', signal });
      text = await response.text();
    } catch (error) {
      // Never echo the URL: app.info carries the access token in its query string.
      const name = error instanceof Error ? error.name : 'Error';
      return { kind: 'unavailable', reason: name === 'TimeoutError' ? 'timeout' : `request failed (${name})` };
    }
    if (isRetryableStatus(response.status)) return { kind: 'unavailable', reason: `HTTP ${response.status}` };
    const body = parseJson(text);
    const error = ErrorBody.safeParse(body);
    if (response.status >= 300 || error.success) {
      return { kind: 'refused', httpStatus: response.status, error: error.success ? error.data.error.slice(0, 64) : `HTTP ${response.status}` };
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { kind: 'unavailable', reason: 'unexpected response shape' };
    return { kind: 'ok', value: parsed.data };
  }

  return {
    async appInfo(origin, accessToken) {
      // The documented form is GET with `auth` in the query; it goes only to an allowlisted host and is never logged.
      const url = `${origin}/rest/app.info?${new URLSearchParams({ auth: accessToken })}`;
      const result = await call(url, { method: 'GET' }, AppInfo);
      return result.kind === 'ok' ? { kind: 'ok', value: result.value.result } : result;
    },

    async refresh(origin, request) {
      // Sent as a form body, as the JS SDK does, so the secret and refresh token stay out of URL logs.
      const body = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: request.clientId,
        client_secret: request.clientSecret,
        refresh_token: request.refreshToken,
      });
      return call(
        `${origin}/oauth/token/`,
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
        TokenResponse,
      );
    },
  };
}
