import { Logger } from '@aws-lambda-powertools/logger';
import { redactingReplacer } from './redact';

/** JSON logs (Powertools Logger) through the redacting replacer: secrets never reach a log line. */
export function createLogger(serviceName = 'b24-install-receiver'): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactingReplacer });
}

export const logger = createLogger();
