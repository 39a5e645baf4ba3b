import * as z from 'zod/mini';
import { MisconfiguredError } from './errors';
import { DEFAULT_OAUTH_SERVERS, parseOauthServerOrigin } from './oauth-servers';

const integer = (fallback: number, min: number, max: number) =>
  z._default(z.pipe(z.string(), z.pipe(z.transform(Number), z.int().check(z.gte(min), z.lte(max)))), fallback);
const milliseconds = (fallback: number) => integer(fallback, 1, 60_000);

/** Comma-separated origins; each entry must parse (https, or http on loopback for the emulator). */
const OauthServers = z.pipe(
  z._default(z.string(), ''),
  z.transform((value: string, ctx) => {
    const entries = (value.trim() ? value.split(',') : DEFAULT_OAUTH_SERVERS).map((e) => e.trim()).filter(Boolean);
    const origins = entries.map(parseOauthServerOrigin);
    if (origins.length === 0 || origins.some((o) => o === undefined)) {
      ctx.issues.push({ code: 'custom', message: 'each entry must be an https:// origin (http:// only for loopback)', input: value });
      return z.NEVER;
    }
    return new Set(origins as string[]) as ReadonlySet<string>;
  }),
);

const NonEmpty = z.string().check(z.trim(), z.minLength(1));

const ConfigSchema = z.object({
  INSTALLATIONS_TABLE: NonEmpty,
  BITRIX24_CLIENT_ID: NonEmpty,
  BITRIX24_OAUTH_SERVERS: OauthServers,
  /** Whole budget for one OAuth-server call; Bitrix24 gives up on us after a few seconds. */
  OAUTH_TIMEOUT_MS: milliseconds(2_000),
  /** Per-attempt DynamoDB timeout; the SDK retries once more within the request. */
  DYNAMODB_TIMEOUT_MS: milliseconds(1_000),
  /** The AWS SDK's own variables; set for a local DynamoDB (dynalite), unset in Lambda. */
  AWS_ENDPOINT_URL_DYNAMODB: z.optional(z.url()),
  AWS_REGION: z.optional(NonEmpty),
  /** Durable capture (DESIGN.md principle 1): the SQS queue in AWS; a spool directory locally when it is unset. */
  CAPTURE_QUEUE_URL: z.optional(z.url({ protocol: /^https?$/ })),
  CAPTURE_DIR: z._default(NonEmpty, '.data/capture'),
  /** Per-attempt time limit for sending to the capture queue (two attempts). */
  CAPTURE_TIMEOUT_MS: milliseconds(1_500),
  /** Local runs only: the app's client secret in clear. Deployed functions name an SSM parameter instead (DESIGN.md principle 4). */
  BITRIX24_CLIENT_SECRET: z.optional(NonEmpty),
  /** The NAME of an SSM SecureString parameter holding the client secret; read at run time and cached. */
  BITRIX24_CLIENT_SECRET_PARAMETER: z.optional(NonEmpty),
  /** How long a refresh lease holds; a crashed owner blocks its portal's refreshes this long at most. Must exceed one OAuth call plus one write. */
  REFRESH_LEASE_TTL_MS: integer(8_000, 100, 60_000),
  /** Keep-alive refreshes refresh tokens older than this (Bitrix24's refresh tokens live 180 days). */
  KEEPALIVE_AFTER_DAYS: integer(150, 1, 179),
  /** Keep-alive does at most this many refreshes and re-verifications per run; the rest wait for the next run. */
  KEEPALIVE_MAX_ITEMS_PER_RUN: integer(200, 1, 10_000),
  /** Set by Lambda itself: a clear-text secret in a function's environment is refused there. */
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parses the environment; every missing or bad key is reported at once, by name, never by value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = z.safeParse(ConfigSchema, env);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new MisconfiguredError(`Missing or invalid configuration: ${keys.join(', ')}`);
  }
  if (parsed.data.BITRIX24_CLIENT_SECRET !== undefined && parsed.data.BITRIX24_CLIENT_SECRET_PARAMETER !== undefined) {
    throw new MisconfiguredError('Set one of BITRIX24_CLIENT_SECRET and BITRIX24_CLIENT_SECRET_PARAMETER, not both');
  }
  if (parsed.data.BITRIX24_CLIENT_SECRET !== undefined && parsed.data.AWS_LAMBDA_FUNCTION_NAME) {
    // DESIGN.md principle 4: a Lambda environment variable is readable by anyone who can read the function's configuration.
    throw new MisconfiguredError('BITRIX24_CLIENT_SECRET must not be set on a Lambda function; use BITRIX24_CLIENT_SECRET_PARAMETER');
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process environment's configuration, parsed on first use (not at import: a bad deploy answers 500 misconfigured rather than crashing init). */
export function processConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
