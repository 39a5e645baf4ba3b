import type { Logger } from '@aws-lambda-powertools/logger';
import { ReceiverError } from './errors';
import type { HttpRequest, LambdaHttpEvent } from './http-request';
import { toHttpRequest } from './http-request';
import type { HttpReply } from './reply';
import { errorReply, toReceiverError } from './reply';

/** Safe facts about one request, filled in as they become known and logged once at the end. */
export type RequestLog = {
  member_id?: string;
  event?: string;
  outcome?: string;
  verified_by?: string;
  [key: string]: string | number | boolean | undefined;
};

export type RouteHandler = (request: HttpRequest, log: RequestLog) => Promise<HttpReply>;

/**
 * The edge of every HTTP function: adapt the Lambda event, check the method, run the route, map
 * any error to a reply, and write exactly one log line with the outcome and duration.
 */
export function httpHandler(options: { logger: Logger; method: string; route: RouteHandler; onError?: (error: ReceiverError, request: HttpRequest) => HttpReply }) {
  const { logger, method, route } = options;
  return async (event: LambdaHttpEvent): Promise<HttpReply> => {
    const started = performance.now();
    const log: RequestLog = {};
    let request: HttpRequest | undefined;
    let reply: HttpReply;
    try {
      request = toHttpRequest(event);
      if (request.method !== method) {
        throw new ReceiverError('method_not_allowed', `Use ${method} for this endpoint`, { allow: method });
      }
      reply = await route(request, log);
    } catch (thrown) {
      const error = toReceiverError(thrown);
      log.outcome = error.code;
      if (error.code === 'internal_error') logger.error('unexpected failure', { error: thrown as Error });
      else if (error.status >= 500) logger.warn(error.message, { code: error.code, cause: (thrown as Error).cause instanceof Error ? ((thrown as Error).cause as Error).name : undefined });
      reply = request && options.onError ? options.onError(error, request) : errorReply(error);
    }
    logger.info('request', {
      ...log,
      method: request?.method,
      path: request?.path,
      status: reply.statusCode,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return reply;
  };
}
