import type { CredentialsProvider, SignedRequest } from './aws-json-call';
import { awsErrorType, sendAwsJson, signAwsJsonRequest } from './aws-json-call';
import { MisconfiguredError, UnavailableError } from './errors';

/**
 * SSM Parameter Store's GetParameter: the only module that talks to SSM, one signed JSON call
 * (lib/aws-json-call.ts) instead of @aws-sdk/client-ssm. Its wire format is pinned by a test that
 * compares it with what @aws-sdk/client-ssm sends (tests/unit/ssm-parameters.test.ts).
 */
export interface SsmOptions {
  region: string;
  timeoutMs: number;
  /** AWS_ENDPOINT_URL_SSM, the SDK's own variable, when set. */
  endpoint?: string | undefined;
  credentials?: CredentialsProvider;
  signingDate?: Date;
}

/** The signed request, apart so that a test can compare it with the SDK's. */
export function getParameterRequest(name: string, options: SsmOptions): Promise<SignedRequest> {
  return signAwsJsonRequest({
    service: 'ssm',
    region: options.region,
    endpoint: options.endpoint,
    target: 'AmazonSSM.GetParameter',
    jsonVersion: '1.1',
    body: { Name: name, WithDecryption: true },
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
}

/** The value from GetParameter's answer, or the product's error for it. Errors name the parameter, never a value. */
export function parseGetParameterAnswer(name: string, status: number, text: string): string {
  let answer: { Parameter?: { Value?: unknown } } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // not JSON: judged by status below
  }
  if (status === 200 && typeof answer.Parameter?.Value === 'string' && answer.Parameter.Value) return answer.Parameter.Value;
  if (status === 200) throw new MisconfiguredError(`SSM parameter ${name} is empty`);
  const type = awsErrorType(text);
  if (type === 'ParameterNotFound') throw new MisconfiguredError(`SSM parameter ${name} does not exist`);
  if (type === 'AccessDeniedException' || type === 'UnrecognizedClientException' || type === 'InvalidKeyId' || status === 403) {
    throw new MisconfiguredError(`No permission to read SSM parameter ${name} (${type || `HTTP ${status}`})`);
  }
  // Not `storage_unavailable`: that means "the table is down" (receive-or-capture.ts captures the event).
  // The client secret is what a refresh needs, so SSM being out is a refresh that cannot happen now.
  throw new UnavailableError('oauth_unavailable', `SSM Parameter Store did not answer for ${name} (${type || `HTTP ${status}`})`);
}

export async function readSecureParameter(name: string, options: SsmOptions): Promise<string> {
  const request = await getParameterRequest(name, options);
  let status: number;
  let text: string;
  try {
    ({ status, text } = await sendAwsJson(request, options.timeoutMs));
  } catch (error) {
    const errorName = error instanceof Error ? error.name : 'Error';
    throw new UnavailableError('oauth_unavailable', `SSM Parameter Store did not answer for ${name} (${errorName})`, { cause: error });
  }
  return parseGetParameterAnswer(name, status, text);
}
