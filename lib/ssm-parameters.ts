import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { MisconfiguredError, UnavailableError } from './errors';

/**
 * SSM Parameter Store's GetParameter: the only module that talks to SSM. One SigV4-signed JSON
 * call with the signer and credential chain the DynamoDB client already bundles, instead of
 * @aws-sdk/client-ssm, whose generated schema for all of SSM's operations added 166 KB and ~15 ms
 * of cold start to every function for this one call. Its wire format is pinned by a test that
 * compares it with what @aws-sdk/client-ssm sends (tests/unit/ssm-parameters.test.ts).
 */
type SourceData = string | ArrayBuffer | ArrayBufferView;
type CredentialsProvider = Extract<ConstructorParameters<typeof SignatureV4>[0]['credentials'], () => unknown>;

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface SsmOptions {
  region: string;
  timeoutMs: number;
  /** AWS_ENDPOINT_URL_SSM, the SDK's own variable, when set. */
  endpoint?: string | undefined;
  credentials?: CredentialsProvider;
  signingDate?: Date;
}

let credentials: CredentialsProvider | undefined;

/** The signed request, apart so that a test can compare it with the SDK's. */
export async function getParameterRequest(name: string, options: SsmOptions): Promise<{ url: string; headers: Record<string, string>; body: string }> {
  const url = new URL(options.endpoint ?? `https://ssm.${options.region}.amazonaws.com/`);
  const body = JSON.stringify({ Name: name, WithDecryption: true });
  const signer = new SignatureV4({ service: 'ssm', region: options.region, sha256: Sha256, credentials: options.credentials ?? (credentials ??= defaultProvider()) });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: '/',
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      body,
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return { url: `${url.origin}/`, headers: signed.headers, body };
}

/** The value from GetParameter's answer, or the product's error for it. Errors name the parameter, never a value. */
export function parseGetParameterAnswer(name: string, status: number, text: string): string {
  let answer: { Parameter?: { Value?: unknown }; __type?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // not JSON: judged by status below
  }
  if (status === 200 && typeof answer.Parameter?.Value === 'string' && answer.Parameter.Value) return answer.Parameter.Value;
  if (status === 200) throw new MisconfiguredError(`SSM parameter ${name} is empty`);
  // JSON 1.1 errors: `__type` is `ParameterNotFound` or `com.amazonaws.ssm#ParameterNotFound`.
  const type = typeof answer.__type === 'string' ? (answer.__type.split('#').pop() ?? '').split(':')[0] : '';
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
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(options.timeoutMs) });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const errorName = error instanceof Error ? error.name : 'Error';
    throw new UnavailableError('oauth_unavailable', `SSM Parameter Store did not answer for ${name} (${errorName})`, { cause: error });
  }
  return parseGetParameterAnswer(name, status, text);
}
