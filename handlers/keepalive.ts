import type { Context } from 'aws-lambda';
import type { Config } from '../lib/config';
import { processConfig } from '../lib/config';
import type { KeepAliveDeps, KeepAliveReport } from '../lib/keep-alive';
import { itemTimeBoundMs, KEEPALIVE_SLACK_MS, runKeepAlive } from '../lib/keep-alive';
import { logger } from '../lib/logger';
import { appDeps } from '../lib/receiver-deps';
import { reverifyPending } from '../lib/reverify-pending';

/** Scheduled daily (serverless.yml): old refresh tokens refreshed, pending installs re-verified, counts logged. */

/** When invoked without a Lambda context (tests, local). */
const DEFAULT_BUDGET_MS = 5 * 60_000;

export interface KeepAliveSetup {
  deps: KeepAliveDeps;
  afterDays: number;
  maxItemsPerRun: number;
  /** Stop starting new items this long before the function's own timeout (itemTimeBoundMs + slack). */
  safetyMarginMs: number;
}

export function createKeepAliveHandler(getSetup: () => KeepAliveSetup) {
  return async (_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<KeepAliveReport> => {
    const started = performance.now();
    try {
      const setup = getSetup();
      const budgetMs = context ? context.getRemainingTimeInMillis() - setup.safetyMarginMs : DEFAULT_BUDGET_MS;
      const report = await runKeepAlive(setup.deps, {
        afterDays: setup.afterDays,
        maxItemsPerRun: setup.maxItemsPerRun,
        deadlineMs: setup.deps.nowMs() + Math.max(0, budgetMs),
      });
      logger.info('keepalive', { ...report, duration_ms: Math.round(performance.now() - started) });
      return report;
    } catch (error) {
      // Scheduled invocations are retried by Lambda; the error's message names keys or codes, never values.
      logger.error('keepalive failed', {
        error: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : undefined,
        duration_ms: Math.round(performance.now() - started),
      });
      throw error;
    }
  };
}

export function keepAliveSetup(config: Config = processConfig()): KeepAliveSetup {
  const app = appDeps(config);
  const pendingDeps = { ...app.receiver, clientSecret: app.vaultDeps.clientSecret, log: app.vaultDeps.log, sleep: app.vaultDeps.sleep };
  return {
    deps: {
      store: app.receiver.store,
      vault: app.vault,
      reverifyPending: (memberId) => reverifyPending(pendingDeps, memberId),
      nowMs: Date.now,
    },
    afterDays: config.KEEPALIVE_AFTER_DAYS,
    maxItemsPerRun: config.KEEPALIVE_MAX_ITEMS_PER_RUN,
    safetyMarginMs: itemTimeBoundMs(config) + KEEPALIVE_SLACK_MS,
  };
}

let setup: KeepAliveSetup | undefined;
export const handler = createKeepAliveHandler(() => (setup ??= keepAliveSetup()));
