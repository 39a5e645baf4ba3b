import * as z from 'zod';
import { MisconfiguredError } from './errors';
import { DEFAULT_OAUTH_SERVERS, parseOauthServerOrigin } from './oauth-servers';

const positiveMs = (fallback: number) => z.coerce.number().int().positive().max(60_000).default(fallback);

const ConfigSchema = z.object({
  INSTALLATIONS_TABLE: z.string().trim().min(1),
  BITRIX24_CLIENT_ID: z.string().trim().min(1),
  BITRIX24_OAUTH_SERVERS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const entries = (value?.trim() ? value.split(',') : DEFAULT_OAUTH_SERVERS).map((e) => e.trim()).filter(Boolean);
      const origins = entries.map(parseOauthServerOrigin);
      if (origins.length === 0 || origins.some((o) => o === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'each entry must be an https:// origin (http:// only for loopback)' });
        return z.NEVER;
      }
      return new Set(origins as string[]);
    }),
  /** Whole budget for one OAuth-server call; Bitrix24 gives up on us after a few seconds. */
  OAUTH_TIMEOUT_MS: positiveMs(2_000),
  /** Per-attempt DynamoDB timeout; the SDK retries once more within the request. */
  DYNAMODB_TIMEOUT_MS: positiveMs(1_000),
  /** The AWS SDK's own variables; set for a local DynamoDB (dynalite), unset in Lambda. */
  AWS_ENDPOINT_URL_DYNAMODB: z.url().optional(),
  AWS_REGION: z.string().trim().min(1).optional(),
  CAPTURE_DIR: z.string().trim().min(1).default('.data/capture'),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parses the environment once per call site; every missing or bad key is reported at once, by name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const keys = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new MisconfiguredError(`Missing or invalid configuration: ${keys.join(', ')}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process environment's configuration, parsed on first use (not at import: a bad deploy answers 500 misconfigured rather than crashing init). */
export function processConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
