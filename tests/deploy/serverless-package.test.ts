import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { SECRET_KEYS } from '../../lib/redact';
import { BUNDLE_OPTIONS, SERVERLESS_BUNDLE_OPTIONS } from '../../scripts/build';
import { packageService } from '../../scripts/package';
import { captureOutput } from '../support/capture-logs';
import { rememberSecrets } from '../support/secrets';
import { describeCaptureAndSchedule } from './capture-and-schedule';
import {
  EXACT_SERVICES,
  FUNCTIONS,
  LOG_ACTIONS,
  RESOURCE_OUTPUTS,
  SERVICE,
  TEST_CLIENT_ID,
  TEST_REGION,
  TEST_STAGE,
  URL_OUTPUTS,
  clientSecretParameter,
} from './expectations';
import { environmentOf, functionKey, lambdaByKey, lambdaFunctions, resolvedEnvironment, roleOf } from './lambdas';
import { bundleHandlerType, extractTo, invokeBundle, invokeBundleRaw, unzippedBytes, zipEntries } from './packaged-bundle';
import type { CfnResource, PackagedService } from './template';
import {
  grants,
  joinedText,
  readPackagedService,
  referencedId,
  resource,
  resourcesOfType,
  roleStatements,
  routeIntegrationId,
  statementActions,
  statementResources,
} from './template';
import { HTTP_API_INTEGRATION_LIMIT_MS } from './time-bounds';

/**
 * `serverless package` (osls) runs once for this file, offline and without AWS credentials; every
 * test reads what it wrote: the CloudFormation template, the state file and one zip per function.
 */
const SENTINEL_CLIENT_SECRET = 'sentinel-client-secret-9f8e7d6c5b4a39281706';
const PACKAGE_TIMEOUT_MS = 120_000;

let workDir: string;
let packaged: PackagedService;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'b24-package-'));
  rememberSecrets([SENTINEL_CLIENT_SECRET]);
  await packageService({
    stage: TEST_STAGE,
    region: TEST_REGION,
    params: { clientId: TEST_CLIENT_ID },
    outDir: join(workDir, 'package'),
    // A local secret in the packaging environment must reach nothing that is deployed.
    env: { BITRIX24_CLIENT_SECRET: SENTINEL_CLIENT_SECRET },
    onOutput: captureOutput,
  });
  packaged = readPackagedService(join(workDir, 'package'));
}, PACKAGE_TIMEOUT_MS);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const template = () => packaged.template;

function expectation(lambda: CfnResource) {
  const key = functionKey(lambda);
  const row = FUNCTIONS[key];
  if (!row) throw new Error(`Function ${key} has no row in tests/deploy/expectations.ts`);
  return { key, row };
}

function zipOf(key: string): Record<string, Uint8Array> {
  return zipEntries(readFileSync(join(packaged.dir, `${key}.zip`)));
}

/** Each function's zip, extracted once, and the path of its bundle. */
function extractedBundle(key: string): string {
  const row = FUNCTIONS[key]!;
  const dir = join(workDir, `${key}-bundle`);
  extractTo(zipOf(key), dir);
  return join(dir, 'handlers', `${row.handler}.js`);
}

describe('packaging', () => {
  test('writes the template and one zip per function, with no AWS credentials', () => {
    // Assess: beforeAll packaged in a child without credentials, profiles or instance metadata (scripts/package.ts)
    expect(lambdaFunctions(template()).map(([, lambda]) => functionKey(lambda)).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const key of Object.keys(FUNCTIONS)) expect(Object.keys(zipOf(key)).length).toBeGreaterThan(0);
  });

  test('without a client id it stops and names the missing `clientId` param', async () => {
    const attempt = packageService({ stage: TEST_STAGE, region: TEST_REGION, params: {}, outDir: join(workDir, 'no-client-id'), onOutput: captureOutput });
    await expect(attempt).rejects.toThrow(/BITRIX24_CLIENT_ID.*Value not found at "param" source/s);
  });

  test('bundles with the esbuild options of `npm run build`, except no source map and nothing external', () => {
    const { sourcemap, exclude, ...shared } = SERVERLESS_BUNDLE_OPTIONS;
    const { sourcemap: _buildSourcemap, ...buildShared } = BUNDLE_OPTIONS;
    expect(shared).toEqual(buildShared);
    expect(shared.plugins).toContainEqual(expect.objectContaining({ name: 'lambda-credentials' }));
    expect({ sourcemap, exclude }).toEqual({ sourcemap: false, exclude: [] });
  });
});

describe('each function', () => {
  test('runs nodejs22.x on arm64', () => {
    for (const [, lambda] of lambdaFunctions(template())) {
      expect({ name: functionKey(lambda), runtime: lambda.Properties.Runtime, arch: lambda.Properties.Architectures }).toEqual({
        name: functionKey(lambda),
        runtime: 'nodejs22.x',
        arch: ['arm64'],
      });
    }
  });

  test('has a role of its own: none shares one, none uses the default role osls creates', () => {
    const roles = lambdaFunctions(template()).map(([, lambda]) => roleOf(template(), lambda)[0]);
    expect(new Set(roles).size).toBe(roles.length);
    expect(roles).not.toContain('IamRoleLambdaExecution');
  });

  test("allows exactly its row's grants, besides its logs", () => {
    for (const [, lambda] of lambdaFunctions(template())) {
      const { key, row } = expectation(lambda);
      const allowed = grants(roleStatements(roleOf(template(), lambda)[1])).filter((grant) => !grant.startsWith('logs:'));
      expect({ function: key, grants: allowed }).toEqual({ function: key, grants: [...row.grants].sort() });
    }
  });

  test('writes logs only to its own log group, which keeps them for a limited time', () => {
    for (const [lambdaId, lambda] of lambdaFunctions(template())) {
      const logGroup = `/aws/lambda/${String(lambda.Properties.FunctionName)}`;
      const logGrants = grants(roleStatements(roleOf(template(), lambda)[1])).filter((grant) => grant.startsWith('logs:'));
      expect(logGrants.length).toBeGreaterThan(0);
      for (const grant of logGrants) expect(grant).toMatch(new RegExp(`^logs:\\w+ on log-group:${logGroup}$`));
      const [, group] = resourcesOfType(template(), 'AWS::Logs::LogGroup').find(([, g]) => g.Properties.LogGroupName === logGroup) ?? [];
      expect({ lambdaId, retention: group?.Properties.RetentionInDays }).toEqual({ lambdaId, retention: 30 });
    }
  });

  test("has a timeout above the longest path its row says it must finish (tests/deploy/time-bounds.ts); a route's stays under the HTTP API's limit", () => {
    for (const [, lambda] of lambdaFunctions(template())) {
      const { key, row } = expectation(lambda);
      const timeoutMs = Number(lambda.Properties.Timeout) * 1000;
      expect({ key, aboveItsBound: timeoutMs >= row.mustFinishMs + 1000 }).toEqual({ key, aboveItsBound: true });
      // No backstop far beyond the bound: a hung invocation is cut off soon after the code's own limits.
      if (Object.keys(row.routes).length > 0) expect({ key, underHttpApiLimit: timeoutMs < HTTP_API_INTEGRATION_LIMIT_MS }).toEqual({ key, underHttpApiLimit: true });
      else expect({ key, withinLambdaMax: timeoutMs <= 900_000 }).toEqual({ key, withinLambdaMax: true });
    }
  });
});

describe('every IAM role', () => {
  const roles = () => resourcesOfType(template(), 'AWS::IAM::Role');

  test(`names ${EXACT_SERVICES.join(', ')} actions and resources exactly: no *, no NotAction, no NotResource`, () => {
    const loose: string[] = [];
    for (const [roleId, role] of roles()) {
      for (const statement of roleStatements(role)) {
        if (statement.NotAction !== undefined || statement.NotResource !== undefined) loose.push(`${roleId}: NotAction/NotResource`);
        const actions = statementActions(statement);
        // `*` or `dyn*:GetItem` could be any of them too.
        const coversExactService = (action: string) => {
          const service = (action.split(':')[0] ?? '').toLowerCase();
          return service.includes('*') || EXACT_SERVICES.includes(service);
        };
        if (!actions.some(coversExactService)) continue;
        for (const action of actions) if (action.includes('*')) loose.push(`${roleId}: ${action}`);
        for (const name of statementResources(statement)) if (name.includes('*')) loose.push(`${roleId}: ${actions.join(',')} on ${name}`);
      }
    }
    expect(loose).toEqual([]);
  });

  test('the default role osls creates holds nothing but logs permissions', () => {
    const defaultRole = resource(template(), 'IamRoleLambdaExecution');
    const actions = roleStatements(defaultRole).flatMap(statementActions);
    expect(actions.filter((action) => !LOG_ACTIONS.includes(action))).toEqual([]);
  });
});

describe('the environment', () => {
  test("of each function satisfies lib/config and names the template's table and the given client id", () => {
    const table = resource(template(), 'InstallationsTable');
    for (const [, lambda] of lambdaFunctions(template())) {
      const config = loadConfig(resolvedEnvironment(template(), lambda));
      expect({ key: functionKey(lambda), table: config.INSTALLATIONS_TABLE, clientId: config.BITRIX24_CLIENT_ID }).toEqual({
        key: functionKey(lambda),
        table: table.Properties.TableName,
        clientId: TEST_CLIENT_ID,
      });
    }
  });

  test('holds no secret: a secret-sounding name must be a *_PARAMETER holding an SSM name its role may read; no value looks like a token', () => {
    for (const [, lambda] of lambdaFunctions(template())) {
      const { key } = expectation(lambda);
      const roleGrants = grants(roleStatements(roleOf(template(), lambda)[1]));
      for (const [name, value] of Object.entries(resolvedEnvironment(template(), lambda))) {
        expect({ key, name, inRedactList: SECRET_KEYS.has(name.toLowerCase()) }).toEqual({ key, name, inRedactList: false });
        if (/SECRET|TOKEN|PASSWORD|PRIVATE|CREDENTIAL/i.test(name) || name.endsWith('_PARAMETER')) {
          expect({ key, name, value }).toEqual({ key, name, value: expect.stringMatching(/^\//) });
          expect(name).toMatch(/_PARAMETER$/);
          expect(roleGrants).toContain(`ssm:GetParameter on ssm-parameter:${value}`);
        }
        // Tokens and secrets are long unbroken runs (hex, base64); names and origins are broken by - . / :
        expect({ key, name, looksLikeToken: /[A-Za-z0-9+=]{32,}/.test(value) }).toEqual({ key, name, looksLikeToken: false });
      }
    }
  });

  test('names the client secret parameter wherever the role may read it: a function that may refresh knows where the secret is', () => {
    for (const [, lambda] of lambdaFunctions(template())) {
      const mayRead = grants(roleStatements(roleOf(template(), lambda)[1])).includes(`ssm:GetParameter on ssm-parameter:${clientSecretParameter(TEST_STAGE)}`);
      const named = environmentOf(lambda).BITRIX24_CLIENT_SECRET_PARAMETER;
      expect({ key: functionKey(lambda), named }).toEqual({ key: functionKey(lambda), named: mayRead ? clientSecretParameter(TEST_STAGE) : undefined });
    }
  });

  test('names the capture queue exactly where the role may send to it, so no function falls back to a spool directory in Lambda', () => {
    for (const [, lambda] of lambdaFunctions(template())) {
      const maySend = grants(roleStatements(roleOf(template(), lambda)[1])).includes('sqs:SendMessage on CaptureQueue');
      const queue = environmentOf(lambda).CAPTURE_QUEUE_URL;
      expect({ key: functionKey(lambda), queue }).toEqual({ key: functionKey(lambda), queue: maySend ? { Ref: 'CaptureQueue' } : undefined });
    }
  });

  test('a client secret in the packaging environment reaches no template, state file or zip', () => {
    const texts = [
      readFileSync(join(packaged.dir, 'cloudformation-template-update-stack.json'), 'utf8'),
      readFileSync(join(packaged.dir, 'serverless-state.json'), 'utf8'),
      ...Object.keys(FUNCTIONS).flatMap((key) => Object.values(zipOf(key)).map((data) => Buffer.from(data).toString('latin1'))),
    ];
    for (const text of texts) expect(text.includes(SENTINEL_CLIENT_SECRET)).toBe(false);
  });

  test('the client secret parameter convention: /b24-install-receiver/<stage>/client-secret and an ARN naming exactly it', () => {
    const { clientSecretParameter: name, clientSecretParameterArn: arn } = packaged.service.custom;
    expect(name).toBe(clientSecretParameter(TEST_STAGE));
    expect(statementResources({ Effect: 'Allow', Resource: arn })).toEqual([`ssm-parameter:${clientSecretParameter(TEST_STAGE)}`]);
  });
});

describe('the HTTP API', () => {
  test("has exactly the rows' routes, payload 2.0, each to its own function with its authorization", () => {
    const integrations = Object.fromEntries(resourcesOfType(template(), 'AWS::ApiGatewayV2::Integration'));
    const actual = resourcesOfType(template(), 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      const integration = integrations[routeIntegrationId(route)];
      const lambda = resource(template(), referencedId(integration?.Properties.IntegrationUri) ?? '');
      return {
        route: route.Properties.RouteKey,
        function: functionKey(lambda),
        payload: integration?.Properties.PayloadFormatVersion,
        authorization: route.Properties.AuthorizationType ?? 'NONE',
      };
    });
    const expected = Object.entries(FUNCTIONS).flatMap(([key, row]) =>
      Object.entries(row.routes).map(([route, authorization]) => ({ route, function: key, payload: '2.0', authorization })),
    );
    const byRoute = (a: { route: unknown }, b: { route: unknown }) => String(a.route).localeCompare(String(b.route));
    expect(actual.sort(byRoute)).toEqual(expected.sort(byRoute));
  });

  test('authorizes only the token route with IAM; Bitrix24 calls the others unsigned', () => {
    const routes = resourcesOfType(template(), 'AWS::ApiGatewayV2::Route').map(([, route]) => [route.Properties.RouteKey, route.Properties.AuthorizationType ?? 'NONE']);
    expect(Object.fromEntries(routes)).toEqual({
      'POST /bitrix24/events': 'NONE',
      'POST /bitrix24/install': 'NONE',
      'GET /installations/{member_id}/token': 'AWS_IAM',
    });
  });

  test('outputs the URL for each route people paste or call, and the names of what people look up', () => {
    const outputs = template().Outputs;
    for (const [output, route] of Object.entries(URL_OUTPUTS)) {
      const path = route.split(' ')[1];
      expect({ output, url: joinedText(outputs[output]?.Value) }).toEqual({ output, url: `https://<HttpApi>.execute-api.<AWS::Region>.<AWS::URLSuffix>${path}` });
    }
    for (const [output, id] of Object.entries(RESOURCE_OUTPUTS)) expect({ output, id: referencedId(outputs[output]?.Value) }).toEqual({ output, id });
  });

  test("the token function is `<service>-<stage>-token`, the name README's `aws lambda invoke` uses", () => {
    expect(resource(template(), 'TokenLambdaFunction').Properties.FunctionName).toBe(`${SERVICE}-${TEST_STAGE}-token`);
  });
});

describe('the installations table', () => {
  test('is keyed by member_id (S), on demand, with point-in-time recovery', () => {
    const table = resource(template(), 'InstallationsTable');
    expect(table.Properties).toMatchObject({
      TableName: `${SERVICE}-${TEST_STAGE}-installations`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'member_id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'member_id', AttributeType: 'S' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('outlives `serverless remove` and replacement: deletion protection, Retain, Retain', () => {
    const table = resource(template(), 'InstallationsTable');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect({ DeletionPolicy: table.DeletionPolicy, UpdateReplacePolicy: table.UpdateReplacePolicy }).toEqual({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('is encrypted with its own KMS key', () => {
    const table = resource(template(), 'InstallationsTable');
    const sse = table.Properties.SSESpecification as { SSEEnabled: boolean; SSEType: string; KMSMasterKeyId: unknown };
    expect({ enabled: sse.SSEEnabled, type: sse.SSEType, key: referencedId(sse.KMSMasterKeyId) }).toEqual({ enabled: true, type: 'KMS', key: 'InstallationsKey' });
  });
});

describe('every KMS key', () => {
  test('is kept by `serverless remove` and replacement (what it encrypts is kept too), rotates, and answers only to the account', () => {
    const keys = resourcesOfType(template(), 'AWS::KMS::Key');
    expect(keys.map(([id]) => id).sort()).toEqual(['CaptureKey', 'InstallationsKey']);
    for (const [id, key] of keys) {
      const principals = (key.Properties.KeyPolicy as { Statement: { Principal: unknown }[] }).Statement.map((s) => s.Principal);
      expect({ id, DeletionPolicy: key.DeletionPolicy, UpdateReplacePolicy: key.UpdateReplacePolicy, rotation: key.Properties.EnableKeyRotation, principals }).toEqual({
        id,
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        rotation: true,
        principals: [{ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }],
      });
    }
  });
});

describeCaptureAndSchedule(() => packaged);

describe('each zipped bundle', () => {
  test('holds only its handler, within budget, with no source map and the env-only credential provider', () => {
    for (const [key, row] of Object.entries(FUNCTIONS)) {
      const entries = zipOf(key);
      expect(Object.keys(entries)).toEqual([`handlers/${row.handler}.js`]);
      const kib = unzippedBytes(entries) / 1024;
      expect({ key, withinBudget: kib <= row.maxUnzippedKiB }).toEqual({ key, withinBudget: true });
      const code = Buffer.from(entries[`handlers/${row.handler}.js`] ?? new Uint8Array()).toString('utf8');
      expect(code).not.toContain('sourceMappingURL');
      // A marker of @aws-sdk/credential-provider-node's full chain, which scripts/lambda-credentials.ts replaces.
      expect(code).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    }
  });

  test('of each function loads in a bare Node process (nothing missing from the zip) and exports its handler', () => {
    for (const key of Object.keys(FUNCTIONS)) expect({ key, handler: bundleHandlerType(extractedBundle(key)) }).toEqual({ key, handler: 'function' });
  });

  test('of events and installPage answer without AWS: 405 for GET, and events 400 for an incomplete install', () => {
    // Act
    const [wrongMethod, incomplete] = invokeBundle(extractedBundle('events'), [
      { method: 'GET', url: '/bitrix24/events' },
      { method: 'POST', url: '/bitrix24/events', contentType: 'application/x-www-form-urlencoded', body: 'event=ONAPPINSTALL' },
    ]);
    const [pageWrongMethod] = invokeBundle(extractedBundle('installPage'), [{ method: 'GET', url: '/bitrix24/install' }]);
    // Assess
    expect(wrongMethod?.statusCode).toBe(405);
    expect(incomplete?.statusCode).toBe(400);
    expect(JSON.parse(incomplete?.body ?? '{}')).toMatchObject({ error: 'invalid_payload' });
    expect(pageWrongMethod?.statusCode).toBe(405);
  });

  test('of token answers a direct invocation without a member_id with invalid_payload, without AWS', () => {
    const [reply] = invokeBundleRaw(extractedBundle('token'), [{}]);
    expect(reply).toMatchObject({ error: 'invalid_payload', status: 400, fields: ['member_id'] });
  });

  test('of replay reports a message that is not a captured event as a batch item failure, without AWS', () => {
    // Prepare: configured as deployed (no queue: Lambda hands it the messages), no credentials
    const env = resolvedEnvironment(template(), lambdaByKey(template(), 'replay')[1]);
    const event = { Records: [{ messageId: 'not-a-capture', receiptHandle: 'r', body: '{"hello":"world"}', attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs' }] };
    // Act
    const [reply] = invokeBundleRaw(extractedBundle('replay'), [event], { ...env, AWS_REGION: TEST_REGION });
    // Assess
    expect(reply).toEqual({ batchItemFailures: [{ itemIdentifier: 'not-a-capture' }] });
  });
});
