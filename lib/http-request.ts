import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * One request shape for the whole product, whatever delivered it: API Gateway HTTP API (payload
 * 2.0), REST API (1.0) or a Lambda Function URL (2.0 shape). Handlers and lib never see Lambda
 * event types. (After Hono's aws-lambda adapter.)
 */
export interface HttpRequest {
  method: string;
  path: string;
  /** Case-insensitive, as HTTP headers are; HTTP API lowercases names, REST API keeps them as sent. */
  headers: Headers;
  query: URLSearchParams;
  /** Path parameters from the route, when the gateway resolved them. */
  pathParameters: Readonly<Record<string, string>>;
  /** The raw body bytes, base64-decoded when the event says it was encoded. */
  body: Buffer;
  sourceIp: string | undefined;
}

export type LambdaHttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

export function isHttpEvent(event: unknown): event is LambdaHttpEvent {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as { requestContext?: unknown; httpMethod?: unknown };
  if (typeof candidate.requestContext !== 'object' || candidate.requestContext === null) return false;
  // A direct invocation may carry a requestContext of its own; only a method makes it an HTTP event.
  return typeof candidate.httpMethod === 'string' || typeof (candidate.requestContext as { http?: { method?: unknown } }).http?.method === 'string';
}

function isV2(event: LambdaHttpEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

function toHeaders(source: Record<string, string | undefined> | null | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value === undefined) continue;
    try {
      headers.append(name, value);
    } catch {
      // A header name or value that the Fetch spec rejects cannot matter to us; drop it.
    }
  }
  return headers;
}

function definedEntries(source: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

function decodeBody(body: string | null | undefined, isBase64Encoded: boolean | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  return isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function toHttpRequest(event: LambdaHttpEvent): HttpRequest {
  if (isV2(event)) {
    return {
      method: event.requestContext.http.method.toUpperCase(),
      path: event.rawPath,
      headers: toHeaders(event.headers),
      query: new URLSearchParams(event.rawQueryString ?? ''),
      pathParameters: definedEntries(event.pathParameters),
      body: decodeBody(event.body, event.isBase64Encoded),
      sourceIp: event.requestContext.http.sourceIp,
    };
  }
  const query = new URLSearchParams();
  const multi = event.multiValueQueryStringParameters;
  if (multi) {
    for (const [key, values] of Object.entries(multi)) for (const value of values ?? []) query.append(key, value);
  } else {
    for (const [key, value] of Object.entries(definedEntries(event.queryStringParameters))) query.append(key, value);
  }
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    headers: toHeaders(event.headers),
    query,
    pathParameters: definedEntries(event.pathParameters),
    body: decodeBody(event.body, event.isBase64Encoded),
    sourceIp: event.requestContext.identity?.sourceIp,
  };
}
