import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * One SigV4-signed call to an AWS JSON-protocol API (SSM GetParameter, SQS SendMessage), with the
 * signer and credential chain the DynamoDB client already bundles. A full SDK client per service
 * carries its whole generated schema (client-ssm added 166 KB and ~15 ms of cold start to every
 * function, client-sqs ~25 KB and ~3 ms to the ones that capture) for one call each. Each caller's
 * wire format is pinned by a test against the official client's request.
 */
type SourceData = string | ArrayBuffer | ArrayBufferView;
export type CredentialsProvider = Extract<ConstructorParameters<typeof SignatureV4>[0]['credentials'], () => unknown>;

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

export interface AwsJsonCall {
  service: string;
  region: string;
  /** `https://<service>.<region>.amazonaws.com/` unless given (the SDK's AWS_ENDPOINT_URL_<SERVICE>). */
  endpoint?: string | undefined;
  /** `AmazonSSM.GetParameter`, `AmazonSQS.SendMessage`… */
  target: string;
  /** The protocol's JSON version: `1.1` for SSM, `1.0` for SQS. */
  jsonVersion: '1.0' | '1.1';
  body: unknown;
  credentials?: CredentialsProvider;
  signingDate?: Date;
}

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

let credentials: CredentialsProvider | undefined;

/** The signed request, apart so that a test can compare it with the SDK's. */
export async function signAwsJsonRequest(call: AwsJsonCall): Promise<SignedRequest> {
  const url = new URL(call.endpoint ?? `https://${call.service}.${call.region}.amazonaws.com/`);
  const body = JSON.stringify(call.body);
  const signer = new SignatureV4({ service: call.service, region: call.region, sha256: Sha256, credentials: call.credentials ?? (credentials ??= defaultProvider()) });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: '/',
      query: {},
      headers: { host: url.host, 'content-type': `application/x-amz-json-${call.jsonVersion}`, 'x-amz-target': call.target },
      body,
    },
    call.signingDate ? { signingDate: call.signingDate } : {},
  );
  return { url: `${url.origin}/`, headers: signed.headers, body };
}

/** Sends a signed request with a time limit; the answer's status and text, or the fetch error thrown. */
export async function sendAwsJson(request: SignedRequest, timeoutMs: number): Promise<{ status: number; text: string }> {
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}

/** The error type of a JSON-protocol error answer: `ParameterNotFound` from `com.amazonaws.ssm#ParameterNotFound`. */
export function awsErrorType(text: string): string {
  try {
    const type = (JSON.parse(text) as { __type?: unknown }).__type;
    return typeof type === 'string' ? ((type.split('#').pop() ?? '').split(':')[0] ?? '') : '';
  } catch {
    return '';
  }
}
