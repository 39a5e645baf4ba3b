import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpReply } from '../lib/reply';
import { httpApiEvent } from './http-api-event';

/**
 * The local stand-in for API Gateway: matches a route, turns the request into the HTTP API event
 * the deployed function would receive, calls the same handler and writes its reply.
 */
export interface LocalRoute {
  method: string;
  /** `/installations/{member_id}/token` style; braces capture one path segment. */
  path: string;
  handler: (event: APIGatewayProxyEventV2) => Promise<HttpReply>;
}

/** API Gateway refuses larger payloads itself (10 MB); we stop reading well before that. */
const MAX_LOCAL_BODY_BYTES = 1024 * 1024;

function matchRoute(routes: readonly LocalRoute[], pathname: string): { route: LocalRoute; params: Record<string, string> }[] {
  const matches: { route: LocalRoute; params: Record<string, string> }[] = [];
  for (const route of routes) {
    const names: string[] = [];
    const pattern = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const found = new RegExp(`^${pattern}$`).exec(pathname);
    if (!found) continue;
    const params: Record<string, string> = {};
    try {
      names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1]!)));
    } catch {
      continue; // a malformed escape matches no route, as with API Gateway
    }
    matches.push({ route, params });
  }
  return matches;
}

function send(res: http.ServerResponse, reply: HttpReply): void {
  res.writeHead(reply.statusCode, reply.headers);
  res.end(reply.body);
}

function jsonError(statusCode: number, error: string, message: string): HttpReply {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ error, message }) };
}

export function createLocalServer(routes: readonly LocalRoute[]): http.Server {
  return http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const candidates = matchRoute(routes, url.pathname);
      if (candidates.length === 0) return send(res, jsonError(404, 'not_found', `No route for ${url.pathname}`));
      // Like API Gateway: a path with routes for other methods still reaches the function (which answers 405).
      const { route, params } = candidates.find((c) => c.route.method === req.method) ?? candidates[0]!;

      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_LOCAL_BODY_BYTES) return send(res, jsonError(413, 'payload_too_large', 'Request body is too large'));
        chunks.push(chunk as Buffer);
      }
      const event = httpApiEvent({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        routeKey: `${route.method} ${route.path}`,
        pathParameters: params,
      });
      send(res, await route.handler(event));
    } catch {
      send(res, jsonError(500, 'internal_error', 'The local server failed to deliver the request'));
    }
  });
}

export async function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}
