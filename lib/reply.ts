import type { ReceiverError } from './errors';
import { isReceiverError, ReceiverError as BaseError } from './errors';

/** What a handler returns; both API Gateway payload versions and Function URLs accept this shape. */
export interface HttpReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonReply(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): HttpReply {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The one place that maps errors to replies. Anything unexpected is a 500 that says nothing about its cause. */
export function toReceiverError(error: unknown): ReceiverError {
  if (isReceiverError(error)) return error;
  return new BaseError('internal_error', 'Something went wrong on our side; it has been logged');
}

export function errorReply(error: ReceiverError): HttpReply {
  const headers: Record<string, string> = error.status === 503 ? { 'retry-after': '5' } : {};
  if (error.code === 'method_not_allowed') headers.allow = String(error.details.allow ?? 'POST');
  return jsonReply(error.status, error.toJSON(), headers);
}
