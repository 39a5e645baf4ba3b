import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { MisconfiguredError, UnavailableError } from './errors';

/**
 * SSM Parameter Store: the only module that imports the SSM SDK. Loaded on demand (the first
 * refresh of a process), so functions that never refresh do not pay for it at cold start.
 */
let client: SSMClient | undefined;

function ssmClient(timeoutMs: number, region: string | undefined): SSMClient {
  client ??= new SSMClient({
    ...(region ? { region } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
  return client;
}

/** The decrypted value of a SecureString parameter. Errors name the parameter, never its value. */
export async function readSecureParameter(name: string, options: { timeoutMs: number; region?: string | undefined }): Promise<string> {
  let value: string | undefined;
  try {
    const result = await ssmClient(options.timeoutMs, options.region).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    value = result.Parameter?.Value;
  } catch (error) {
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    if (errorName === 'ParameterNotFound') throw new MisconfiguredError(`SSM parameter ${name} does not exist`);
    if (errorName === 'AccessDeniedException' || errorName === 'UnrecognizedClientException') {
      throw new MisconfiguredError(`No permission to read SSM parameter ${name} (${errorName})`);
    }
    throw new UnavailableError('storage_unavailable', `SSM Parameter Store did not answer for ${name} (${errorName})`, { cause: error });
  }
  if (!value) throw new MisconfiguredError(`SSM parameter ${name} is empty`);
  return value;
}
