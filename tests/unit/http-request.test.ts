import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { toHttpRequest } from '../../lib/http-request';
import { httpApiEvent } from '../../local/http-api-event';

const BODY = 'event=ONAPPINSTALL&auth%5Bmember_id%5D=abc';

describe('toHttpRequest', () => {
  test('HTTP API 2.0: base64 body decoded, lowercase headers readable in any case', () => {
    const event = httpApiEvent({ method: 'POST', url: '/bitrix24/events?x=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(BODY) });
    expect(event.isBase64Encoded).toBe(true);
    const request = toHttpRequest(event);
    expect(request).toMatchObject({ method: 'POST', path: '/bitrix24/events' });
    expect(request.body.toString()).toBe(BODY);
    expect(request.headers.get('CONTENT-TYPE')).toBe('application/x-www-form-urlencoded');
    expect(request.query.get('x')).toBe('1');
  });

  test('REST API 1.0: plain body, headers as sent, multi-value query', () => {
    const event = {
      httpMethod: 'post',
      path: '/bitrix24/events',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      multiValueHeaders: {},
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
      pathParameters: null,
      stageVariables: null,
      body: BODY,
      isBase64Encoded: false,
      resource: '/bitrix24/events',
      requestContext: { identity: { sourceIp: '203.0.113.9' } },
    } as unknown as APIGatewayProxyEvent;
    const request = toHttpRequest(event);
    expect(request.method).toBe('POST');
    expect(request.body.toString()).toBe(BODY);
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(request.query.getAll('a')).toEqual(['1', '2']);
    expect(request.sourceIp).toBe('203.0.113.9');
  });

  test('Lambda Function URL (2.0 shape, no route key, plain body)', () => {
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/bitrix24/events',
      rawQueryString: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: { http: { method: 'POST', path: '/bitrix24/events', sourceIp: '198.51.100.1' } },
      body: BODY,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const request = toHttpRequest(event);
    expect(request.body.toString()).toBe(BODY);
    expect(request.sourceIp).toBe('198.51.100.1');
  });

  test('a header value the Fetch spec rejects is dropped rather than crashing', () => {
    const event = httpApiEvent({ method: 'POST', url: '/x', headers: { 'x-bad': 'a\u0000b', 'content-type': 'text/plain' }, body: Buffer.alloc(0) });
    const request = toHttpRequest(event);
    expect(request.headers.get('x-bad')).toBeNull();
    expect(request.headers.get('content-type')).toBe('text/plain');
  });
});
