import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { getParameterRequest, parseGetParameterAnswer, readSecureParameter } from '../../lib/ssm-parameters';
import { closedPort } from '../support/peers';
import type { RecordedRequest } from '../support/sdk-request';
import { EXAMPLE_CREDENTIALS, recordingClientOptions, signingScope } from '../support/sdk-request';

/**
 * No SSM is reachable here, so the one call we make by hand is compared with what the official
 * client (@aws-sdk/client-ssm, a dev dependency for this test only) would send for the same input.
 */
const credentials = EXAMPLE_CREDENTIALS;

async function whatTheSdkSends(name: string): Promise<RecordedRequest> {
  const recording = recordingClientOptions('eu-central-1');
  const client = new SSMClient(recording.options);
  await client.send(new GetParameterCommand({ Name: name, WithDecryption: true })).catch(() => undefined);
  return recording.recorded();
}

test('our signed GetParameter request matches the official SSM client: endpoint, target, content type, body, signing scope', async () => {
  const sdk = await whatTheSdkSends('/b24/client-secret');
  const ours = await getParameterRequest('/b24/client-secret', { region: 'eu-central-1', timeoutMs: 1000, credentials: async () => credentials });
  expect(ours.url).toBe(sdk.url);
  expect(ours.headers['x-amz-target']).toBe(sdk.headers['x-amz-target']);
  expect(ours.headers['content-type']).toBe(sdk.headers['content-type']);
  expect(JSON.parse(ours.body)).toEqual(JSON.parse(sdk.body));
  expect(signingScope(ours.headers.authorization)).toBe('eu-central-1/ssm/aws4_request');
  expect(signingScope(ours.headers.authorization)).toBe(signingScope(sdk.headers.authorization));
  expect(ours.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-target/);
});

describe('GetParameter answers', () => {
  test('the decrypted value', () => {
    expect(parseGetParameterAnswer('/p', 200, JSON.stringify({ Parameter: { Name: '/p', Type: 'SecureString', Value: 's3cr3t', Version: 3 } }))).toBe('s3cr3t');
  });

  test.each([
    ['ParameterNotFound', 400, 'misconfigured'],
    ['com.amazonaws.ssm#ParameterNotFound', 400, 'misconfigured'],
    ['AccessDeniedException', 400, 'misconfigured'],
    ['InternalServerError', 500, 'oauth_unavailable'],
    ['ThrottlingException', 400, 'oauth_unavailable'],
  ])('%s (HTTP %i) is %s, naming the parameter and never a value', (type, status, code) => {
    expect(() => parseGetParameterAnswer('/b24/secret', status, JSON.stringify({ __type: type, message: 'details' }))).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining('/b24/secret') }),
    );
  });
});

test('an SSM endpoint that cannot be reached is oauth_unavailable (a refresh that cannot happen now), not the table being down', async () => {
  const reading = readSecureParameter('/b24/secret', { region: 'eu-central-1', timeoutMs: 1_000, endpoint: `${await closedPort()}/`, credentials: async () => credentials });

  await expect(reading).rejects.toMatchObject({ code: 'oauth_unavailable', status: 503, message: expect.stringContaining('/b24/secret') });
});
