import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (see build.ts).
 * Lambda always hands a function its role's credentials in the environment, the first link of
 * the SDK's default chain; the rest of that chain (SSO, STS web identity, profiles, IMDS) is about
 * 95 KB of code a function never runs but would compile at every cold start.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): ReturnType<typeof fromEnv> => fromEnv(init);
