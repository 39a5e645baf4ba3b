/**
 * What each deployed function is, and may do: one row per function of serverless.yml. The template
 * tests fail for a function without a row, and for any grant, route or size that differs from it.
 * Adding a function to serverless.yml means adding its row here (see the note atop serverless.yml).
 */
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
  /** Unzipped size of its zip. */
  maxUnzippedKiB: number;
}

export const FUNCTIONS: Record<string, FunctionExpectation> = {
  events: {
    handler: 'events',
    routes: { 'POST /bitrix24/events': 'NONE' },
    grants: [
      'dynamodb:GetItem on InstallationsTable',
      'dynamodb:UpdateItem on InstallationsTable',
      // The only KMS call DynamoDB makes as the caller: decrypting the table key.
      'kms:Decrypt on InstallationsKey via dynamodb',
    ],
    maxUnzippedKiB: 500,
  },
};

/** Stack outputs people copy, and the route each one must point at. */
export const URL_OUTPUTS: Record<string, string> = {
  InstallCallbackUrl: 'POST /bitrix24/events',
};

/** Services whose actions and resources must be named exactly: no `*` anywhere. */
export const EXACT_SERVICES = ['dynamodb', 'ssm', 'kms', 'sqs'];

/** What the default execution role (osls makes it; no function may use it) may still hold. */
export const LOG_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource'];
