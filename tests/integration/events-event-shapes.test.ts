import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { createEventsHandler } from '../../handlers/events';
import { captureDeps } from '../../lib/capture/capture-deps';
import { receiverDeps } from '../../lib/receiver-deps';
import { httpApiEvent } from '../../local/http-api-event';
import { phpFormBody } from '../../local/oauth-emulator';
import { docsInstallEvent, docsUninstallEvent, REAL_CRM_EVENT_BODY, realInstallEvent } from '../fixtures/bitrix24-examples';
import { useTestStack } from '../support/stack';

/**
 * Every example of BITRIX24.md as each gateway delivers it: HTTP API 2.0 (base64 body, lowercase
 * headers), REST API 1.0 (plain body, headers as sent) and a Function URL (2.0 shape, plain body).
 */
const stack = useTestStack();

type Shape = (body: string) => APIGatewayProxyEventV2 | APIGatewayProxyEvent;

const SHAPES: [string, Shape][] = [
  ['HTTP API 2.0', (body) => httpApiEvent({ method: 'POST', url: '/bitrix24/events', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(body) })],
  [
    'REST API 1.0',
    (body) =>
      ({
        resource: '/bitrix24/events',
        path: '/bitrix24/events',
        httpMethod: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8', 'User-Agent': 'Bitrix24 Webhook Engine' },
        multiValueHeaders: {},
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        pathParameters: null,
        stageVariables: null,
        requestContext: { identity: { sourceIp: '203.0.113.10' } },
        body,
        isBase64Encoded: false,
      }) as unknown as APIGatewayProxyEvent,
  ],
  [
    'Function URL',
    (body) =>
      ({
        version: '2.0',
        routeKey: '$default',
        rawPath: '/bitrix24/events',
        rawQueryString: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requestContext: { http: { method: 'POST', path: '/bitrix24/events', sourceIp: '203.0.113.11' } },
        body,
        isBase64Encoded: false,
      }) as unknown as APIGatewayProxyEventV2,
  ],
];

describe.each(SHAPES)('%s', (shapeName, shape) => {
  const suffix = shapeName.replace(/\W/g, '').toLowerCase();

  async function deliver(fields: Record<string, unknown> | string) {
    const handler = createEventsHandler(() => captureDeps(stack().config, receiverDeps(stack().config)));
    const reply = await handler(shape(typeof fields === 'string' ? fields : phpFormBody(fields)));
    return { status: reply.statusCode, json: JSON.parse(reply.body) as Record<string, unknown> };
  }

  /** The example, for a portal (and tokens) of its own per shape, known to the emulator. */
  function adopt<T extends { auth: Record<string, string> }>(event: T): T {
    for (const key of ['member_id', 'access_token', 'refresh_token', 'application_token']) event.auth[key] = `${event.auth[key]}${suffix}`;
    stack().emulator.adoptPortal({
      memberId: event.auth.member_id!,
      domain: event.auth.domain!,
      accessToken: event.auth.access_token!,
      refreshToken: event.auth.refresh_token!,
      applicationToken: event.auth.application_token!,
    });
    return event;
  }

  test('the live ONAPPINSTALL is stored; the docs ONAPPUNINSTALL then erases its tokens', async () => {
    const install = adopt(realInstallEvent(stack().emulator.serverEndpoint));
    expect(await deliver(install)).toMatchObject({ status: 200, json: { outcome: 'installed' } });
    stack().emulator.uninstallPortal(install.auth.member_id); // Bitrix24 uninstalls first, then tells us
    const uninstall = docsUninstallEvent(stack().emulator.serverEndpoint, install.auth.member_id, install.auth.application_token, install.auth.domain, '1727019000');
    expect(await deliver(uninstall)).toMatchObject({ status: 200, json: { outcome: 'uninstalled' } });
    expect((await stack().store.get(install.auth.member_id))?.state).toBe('uninstalled');
  });

  test('the docs ONAPPINSTALL is stored', async () => {
    const install = adopt(docsInstallEvent(stack().emulator.serverEndpoint));
    expect(await deliver(install)).toMatchObject({ status: 200, json: { outcome: 'installed' } });
    expect((await stack().store.get(install.auth.member_id))?.state).toBe('active');
  });

  test('the live CRM event is unsupported_event', async () => {
    expect(await deliver(REAL_CRM_EVENT_BODY)).toMatchObject({ status: 400, json: { error: 'unsupported_event' } });
  });

  test('a Cyrillic LANGUAGE_ID-style value and + for spaces decode', async () => {
    const install = adopt(docsInstallEvent(stack().emulator.serverEndpoint));
    const body = phpFormBody({ ...install, data: { VERSION: '1', LANGUAGE_ID: 'ру сский' } });
    expect(body).toContain('+');
    expect(await deliver(body)).toMatchObject({ status: 200 });
  });
});
