import type { Config } from './config';
import { MisconfiguredError } from './errors';
import type * as Ssm from './ssm-parameters';

/**
 * The app's client secret, needed only to refresh. Locally it is `BITRIX24_CLIENT_SECRET`;
 * deployed, `BITRIX24_CLIENT_SECRET_PARAMETER` names an SSM SecureString read at run time, so the
 * secret is in no template and no function configuration (DESIGN.md principle 4).
 */
export type ClientSecretSource = () => Promise<string>;

/** A rotated secret reaches warm functions within this long. */
export const CLIENT_SECRET_CACHE_TTL_MS = 15 * 60_000;

export type ParameterReader = (name: string) => Promise<string>;

/** Caches one read for CLIENT_SECRET_CACHE_TTL_MS; a failed read is not cached. */
export function cachedSecret(read: () => Promise<string>, nowMs: () => number = Date.now): ClientSecretSource {
  let cached: { value: Promise<string>; readAtMs: number } | undefined;
  return () => {
    if (!cached || nowMs() - cached.readAtMs > CLIENT_SECRET_CACHE_TTL_MS) {
      const value = read();
      const entry = { value, readAtMs: nowMs() };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}

/** No secret configured is reported when a refresh needs it, not before: receiving installs needs no secret. */
export function clientSecretSource(config: Config, readParameter?: ParameterReader): ClientSecretSource {
  const clear = config.BITRIX24_CLIENT_SECRET;
  if (clear !== undefined) return () => Promise.resolve(clear);
  const parameterName = config.BITRIX24_CLIENT_SECRET_PARAMETER;
  if (parameterName === undefined) {
    return () => Promise.reject(new MisconfiguredError('Missing configuration: BITRIX24_CLIENT_SECRET_PARAMETER (or BITRIX24_CLIENT_SECRET locally)'));
  }
  const read: ParameterReader =
    readParameter ??
    ((name) => {
      // Required on first use: a cold start that never refreshes does not initialise it.
      const { readSecureParameter } = require('./ssm-parameters') as typeof Ssm;
      if (!config.AWS_REGION) return Promise.reject(new MisconfiguredError('Missing configuration: AWS_REGION (to read BITRIX24_CLIENT_SECRET_PARAMETER)'));
      return readSecureParameter(name, { timeoutMs: config.OAUTH_TIMEOUT_MS, region: config.AWS_REGION, endpoint: process.env.AWS_ENDPOINT_URL_SSM });
    });
  return cachedSecret(() => read(parameterName));
}
