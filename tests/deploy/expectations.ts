/**
 * What each deployed function is, and may do: one row per function of serverless.yml. The template
 * tests fail for a function without a row, and for any grant, route, time bound or size that differs
 * from it. Adding a function to serverless.yml means adding its row here (see the note atop serverless.yml).
 */
import { INSTALL_KEPT_MS, KEEPALIVE_LAST_ITEM_MS, REFRESH_WRITTEN_MS, UNINSTALL_REFRESH_WRITTEN_MS } from './time-bounds';

export const SERVICE = 'b24-install-receiver';

/** The stage and region the tests package for. */
export const TEST_STAGE = 'ci';
export const TEST_REGION = 'eu-central-1';
export const TEST_CLIENT_ID = 'app.template-test';

/** Convention for the functions that need the client secret: an SSM SecureString of this name. */
export const clientSecretParameter = (stage: string) => `/${SERVICE}/${stage}/client-secret`;

export interface FunctionExpectation {
  /** Its file in handlers/ (the zip holds `handlers/<name>.js`). */
  handler: string;
  /** HTTP API routes (`METHOD /path`) with their authorization type. */
  routes: Record<string, 'NONE' | 'AWS_IAM'>;
  /**
   * Exactly what its role allows besides writing its own logs: "action on resource[ via service]",
   * where a resource is a logical id of the template or `ssm-parameter:/name`.
   */
  grants: string[];
  /** The longest path it must not be cut off in (tests/deploy/time-bounds.ts): its timeout sits above. */
  mustFinishMs: number;
  /** Unzipped size of its zip: `npm run build`'s size plus about 20 %. */
  maxUnzippedKiB: number;
}

/** The table: read and conditional writes, and the one KMS call DynamoDB makes as the caller (decrypting the table key). */
const TABLE_READ_WRITE = ['dynamodb:GetItem on InstallationsTable', 'dynamodb:UpdateItem on InstallationsTable', 'kms:Decrypt on InstallationsKey via dynamodb'];
/** Any function that may refresh a token reads the client secret. */
const CLIENT_SECRET = `ssm:GetParameter on ssm-parameter:${clientSecretParameter(TEST_STAGE)}`;
/** Durable capture: SendMessage to an SSE-KMS queue has SQS generate and decrypt a data key as the sender. */
const CAPTURE_SEND = ['sqs:SendMessage on CaptureQueue', 'kms:GenerateDataKey on CaptureKey via sqs', 'kms:Decrypt on CaptureKey via sqs'];

export const FUNCTIONS: Record<string, FunctionExpectation> = {
  events: {
    handler: 'events',
    routes: { 'POST /bitrix24/events': 'NONE' },
    // Uninstalls are confirmed through the vault, which may refresh (the lease is an UpdateItem).
    grants: [...TABLE_READ_WRITE, CLIENT_SECRET, ...CAPTURE_SEND],
    mustFinishMs: Math.max(INSTALL_KEPT_MS, UNINSTALL_REFRESH_WRITTEN_MS),
    maxUnzippedKiB: 500,
  },
  installPage: {
    handler: 'install-page',
    routes: { 'POST /bitrix24/install': 'NONE' },
    // Never uninstalls, so never refreshes: no client secret.
    grants: [...TABLE_READ_WRITE, ...CAPTURE_SEND],
    mustFinishMs: INSTALL_KEPT_MS,
    maxUnzippedKiB: 460,
  },
  token: {
    handler: 'token',
    routes: { 'GET /installations/{member_id}/token': 'AWS_IAM' },
    grants: [...TABLE_READ_WRITE, CLIENT_SECRET],
    mustFinishMs: REFRESH_WRITTEN_MS,
    maxUnzippedKiB: 345,
  },
  keepalive: {
    handler: 'keepalive',
    routes: {},
    // Scan for candidates; DeleteItem for a pending-only item whose every install was refused.
    grants: [...TABLE_READ_WRITE, 'dynamodb:Scan on InstallationsTable', 'dynamodb:DeleteItem on InstallationsTable', CLIENT_SECRET],
    mustFinishMs: KEEPALIVE_LAST_ITEM_MS,
    maxUnzippedKiB: 350,
  },
  replay: {
    handler: 'replay',
    routes: {},
    // Lambda's poller uses the function's role; GenerateDataKey for moving a message to the dead-letter queue.
    grants: [
      ...TABLE_READ_WRITE,
      CLIENT_SECRET,
      'sqs:ReceiveMessage on CaptureQueue',
      'sqs:DeleteMessage on CaptureQueue',
      'sqs:GetQueueAttributes on CaptureQueue',
      'kms:Decrypt on CaptureKey via sqs',
      'kms:GenerateDataKey on CaptureKey via sqs',
    ],
    // One captured uninstall at its worst; a batch cut off returns whole and replays idempotently.
    mustFinishMs: UNINSTALL_REFRESH_WRITTEN_MS,
    maxUnzippedKiB: 350,
  },
};

/** Stack outputs people copy, and the route each one must point at. */
export const URL_OUTPUTS: Record<string, string> = {
  InstallCallbackUrl: 'POST /bitrix24/events',
  InstallPageUrl: 'POST /bitrix24/install',
  TokenEndpoint: 'GET /installations/{member_id}/token',
};

/** Stack outputs that name a resource of the template (`Ref` or `GetAtt … Arn`). */
export const RESOURCE_OUTPUTS: Record<string, string> = {
  InstallationsTableName: 'InstallationsTable',
  InstallationsKeyArn: 'InstallationsKey',
  TokenFunctionName: 'TokenLambdaFunction',
  CaptureQueueUrl: 'CaptureQueue',
  CaptureDeadLetterQueueUrl: 'CaptureDeadLetterQueue',
};

/** Services whose actions and resources must be named exactly: no `*` anywhere. */
export const EXACT_SERVICES = ['dynamodb', 'ssm', 'kms', 'sqs'];

/** What the default execution role (osls makes it; no function may use it) may still hold. */
export const LOG_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource'];

/** Captured events wait in the queues; they hold tokens. */
export const CAPTURE_QUEUES = {
  CaptureQueue: `${SERVICE}-${TEST_STAGE}-capture.fifo`,
  CaptureDeadLetterQueue: `${SERVICE}-${TEST_STAGE}-capture-dlq.fifo`,
};
export const CAPTURE_MAX_RECEIVE_COUNT = 10;
/** SQS's longest retention: an outage's captures outlast a long weekend. */
export const FOURTEEN_DAYS_S = 14 * 24 * 3600;
