import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Builds the event API Gateway HTTP API (payload 2.0) delivers: lowercase header names, repeated
 * headers joined with commas, cookies apart, and every body base64-encoded (as HTTP API does for
 * form posts). Shared by the local server and the tests, so both exercise the deployed shape.
 */
export interface RawRequest {
  method: string;
  /** Path and query string, as on the request line. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp?: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
}

export function httpApiEvent(request: RawRequest): APIGatewayProxyEventV2 {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'cookie') cookies = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/;\s*/));
    else headers[lower] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const method = request.method.toUpperCase();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: request.routeKey ?? `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: request.routeKey ?? `${method} ${url.pathname}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: request.body.length > 0,
  };
  if (cookies) event.cookies = cookies;
  if (url.search) event.queryStringParameters = Object.fromEntries(url.searchParams);
  if (request.body.length > 0) event.body = request.body.toString('base64');
  if (request.pathParameters) event.pathParameters = request.pathParameters;
  return event;
}
