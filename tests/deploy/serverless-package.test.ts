import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { SECRET_KEYS } from '../../lib/redact';
import { BUNDLE_OPTIONS, SERVERLESS_BUNDLE_OPTIONS } from '../../scripts/build';
import { packageService } from '../../scripts/package';
import { captureOutput } from '../support/capture-logs';
import { rememberSecrets } from '../support/secrets';
import { EXACT_SERVICES, FUNCTIONS, LOG_ACTIONS, SERVICE, TEST_CLIENT_ID, TEST_REGION, TEST_STAGE, URL_OUTPUTS, clientSecretParameter } from './expectations';
import { extractTo, invokeBundle, unzippedBytes, zipEntries } from './packaged-bundle';
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
const lambdaFunctions = () => resourcesOfType(template(), 'AWS::Lambda::Function');

/** The serverless.yml function name of a Lambda resource (its FunctionName is `<service>-<stage>-<name>`). */
function functionKey(lambda: CfnResource): string {
  return String(lambda.Properties.FunctionName).slice(`${SERVICE}-${TEST_STAGE}-`.length);
}

function expectation(lambda: CfnResource) {
  const key = functionKey(lambda);
  const row = FUNCTIONS[key];
  if (!row) throw new Error(`Function ${key} has no row in tests/deploy/expectations.ts`);
  return { key, row };
}

function roleOf(lambda: CfnResource): [string, CfnResource] {
  const roleId = referencedId(lambda.Properties.Role);
  if (!roleId) throw new Error(`${functionKey(lambda)} has no role from this template`);
  return [roleId, resource(template(), roleId)];
}

function environmentOf(lambda: CfnResource): Record<string, string> {
  return ((lambda.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}) as Record<string, string>;
}

function zipOf(key: string): Record<string, Uint8Array> {
  return zipEntries(readFileSync(join(packaged.dir, `${key}.zip`)));
}

describe('packaging', () => {
  test('writes the template and one zip per function, with no AWS credentials', () => {
    // Assess: beforeAll packaged in a child without credentials, profiles or instance metadata (scripts/package.ts)
    expect(lambdaFunctions().map(([, lambda]) => functionKey(lambda)).sort()).toEqual(Object.keys(FUNCTIONS).sort());
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
    for (const [, lambda] of lambdaFunctions()) {
      expect({ name: functionKey(lambda), runtime: lambda.Properties.Runtime, arch: lambda.Properties.Architectures }).toEqual({
        name: functionKey(lambda),
        runtime: 'nodejs22.x',
        arch: ['arm64'],
      });
    }
  });

  test('has a role of its own: none shares one, none uses the default role osls creates', () => {
    const roles = lambdaFunctions().map(([, lambda]) => roleOf(lambda)[0]);
    expect(new Set(roles).size).toBe(roles.length);
    expect(roles).not.toContain('IamRoleLambdaExecution');
  });

  test("allows exactly its row's grants, besides its logs", () => {
    for (const [, lambda] of lambdaFunctions()) {
      const { key, row } = expectation(lambda);
      const allowed = grants(roleStatements(roleOf(lambda)[1])).filter((grant) => !grant.startsWith('logs:'));
      expect({ function: key, grants: allowed }).toEqual({ function: key, grants: [...row.grants].sort() });
    }
  });

  test('writes logs only to its own log group, which keeps them for a limited time', () => {
    for (const [lambdaId, lambda] of lambdaFunctions()) {
      const logGroup = `/aws/lambda/${String(lambda.Properties.FunctionName)}`;
      const logGrants = grants(roleStatements(roleOf(lambda)[1])).filter((grant) => grant.startsWith('logs:'));
      expect(logGrants.length).toBeGreaterThan(0);
      for (const grant of logGrants) expect(grant).toMatch(new RegExp(`^logs:\\w+ on log-group:${logGroup}$`));
      const [, group] = resourcesOfType(template(), 'AWS::Logs::LogGroup').find(([, g]) => g.Properties.LogGroupName === logGroup) ?? [];
      expect({ lambdaId, retention: group?.Properties.RetentionInDays }).toEqual({ lambdaId, retention: 30 });
    }
  });

  test('the events timeout outlasts its own time limits (one OAuth call, two DynamoDB calls of two attempts) and stays short', () => {
    const { OAUTH_TIMEOUT_MS, DYNAMODB_TIMEOUT_MS } = loadConfig({ INSTALLATIONS_TABLE: 't', BITRIX24_CLIENT_ID: 'c' });
    const DYNAMODB_CALLS = 2; // read, conditional write
    const DYNAMODB_ATTEMPTS = 2; // lib/installations-store.ts maxAttempts
    const worstCaseSeconds = (OAUTH_TIMEOUT_MS + DYNAMODB_CALLS * DYNAMODB_ATTEMPTS * DYNAMODB_TIMEOUT_MS) / 1000;
    const [, events] = lambdaFunctions().find(([, lambda]) => functionKey(lambda) === 'events') ?? [];
    expect(events?.Properties.Timeout).toBeGreaterThanOrEqual(worstCaseSeconds + 1);
    expect(events?.Properties.Timeout).toBeLessThanOrEqual(10);
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
    for (const [, lambda] of lambdaFunctions()) {
      const env = environmentOf(lambda);
      const config = loadConfig(env);
      expect(config.INSTALLATIONS_TABLE).toBe(table.Properties.TableName);
      expect(config.BITRIX24_CLIENT_ID).toBe(TEST_CLIENT_ID);
    }
  });

  test('holds no secret: a secret-sounding name must be a *_PARAMETER holding an SSM name its role may read; no value looks like a token', () => {
    for (const [, lambda] of lambdaFunctions()) {
      const { key } = expectation(lambda);
      const roleGrants = grants(roleStatements(roleOf(lambda)[1]));
      for (const [name, value] of Object.entries(environmentOf(lambda))) {
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

  test('outputs the URL to paste for each route people paste, and the table name', () => {
    const outputs = template().Outputs;
    for (const [output, route] of Object.entries(URL_OUTPUTS)) {
      const path = route.split(' ')[1];
      expect({ output, url: joinedText(outputs[output]?.Value) }).toEqual({ output, url: `https://<HttpApi>.execute-api.<AWS::Region>.<AWS::URLSuffix>${path}` });
    }
    expect(referencedId(outputs.InstallationsTableName?.Value)).toBe('InstallationsTable');
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

  test('is encrypted with its own KMS key, which is kept with it, rotates, and answers only to the account', () => {
    const table = resource(template(), 'InstallationsTable');
    const sse = table.Properties.SSESpecification as { SSEEnabled: boolean; SSEType: string; KMSMasterKeyId: unknown };
    expect({ enabled: sse.SSEEnabled, type: sse.SSEType, key: referencedId(sse.KMSMasterKeyId) }).toEqual({ enabled: true, type: 'KMS', key: 'InstallationsKey' });
    const key = resource(template(), 'InstallationsKey');
    expect({ DeletionPolicy: key.DeletionPolicy, UpdateReplacePolicy: key.UpdateReplacePolicy, rotation: key.Properties.EnableKeyRotation }).toEqual({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      rotation: true,
    });
    const principals = (key.Properties.KeyPolicy as { Statement: { Principal: unknown }[] }).Statement.map((s) => s.Principal);
    expect(principals).toEqual([{ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }]);
  });
});

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

  test('of events loads in a bare Node process and answers without AWS: 405 for GET, 400 for an incomplete install', () => {
    // Prepare
    const dir = join(workDir, 'events-bundle');
    extractTo(zipOf('events'), dir);
    // Act
    const [wrongMethod, incomplete] = invokeBundle(join(dir, 'handlers', 'events.js'), [
      { method: 'GET', url: '/bitrix24/events' },
      { method: 'POST', url: '/bitrix24/events', contentType: 'application/x-www-form-urlencoded', body: 'event=ONAPPINSTALL' },
    ]);
    // Assess
    expect(wrongMethod?.statusCode).toBe(405);
    expect(incomplete?.statusCode).toBe(400);
    expect(JSON.parse(incomplete?.body ?? '{}')).toMatchObject({ error: 'invalid_payload' });
  });
});
