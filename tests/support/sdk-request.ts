/**
 * No AWS service is reachable here, so a call we sign by hand is compared with what the official
 * client would send: a request handler that records the signed request instead of sending it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

export interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface RawRequest {
  protocol: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Client options that make a client record its one request; `send` then rejects, and `recorded()` has it. */
export function recordingClientOptions(region: string) {
  let captured: RecordedRequest | undefined;
  return {
    options: {
      region,
      credentials: EXAMPLE_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: RawRequest) => {
          const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
          captured = { url: `${request.protocol}//${request.hostname}${request.path}`, headers: request.headers, body };
          throw new Error('recorded');
        },
      },
    },
    recorded(): RecordedRequest {
      if (!captured) throw new Error('the SDK sent nothing');
      return captured;
    },
  };
}

/** The credential scope of a SigV4 Authorization header: `eu-central-1/ssm/aws4_request`. */
export function signingScope(authorization: string | undefined): string | undefined {
  return /Credential=AKIDEXAMPLE\/\d{8}\/([^,]+),/.exec(authorization ?? '')?.[1];
}
