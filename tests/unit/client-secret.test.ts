import { cachedSecret, CLIENT_SECRET_CACHE_TTL_MS, clientSecretSource } from '../../lib/client-secret';
import { loadConfig } from '../../lib/config';

/** Where the client secret comes from, and that a deployed function never holds it in its environment. */
const BASE = { INSTALLATIONS_TABLE: 't', BITRIX24_CLIENT_ID: 'app.x', AWS_REGION: 'eu-central-1' };

describe('configuration of the client secret', () => {
  test('a clear-text BITRIX24_CLIENT_SECRET on a Lambda function is refused as misconfigured', () => {
    expect(() => loadConfig({ ...BASE, BITRIX24_CLIENT_SECRET: 'sekret-value', AWS_LAMBDA_FUNCTION_NAME: 'token' })).toThrow(
      expect.objectContaining({ code: 'misconfigured', message: expect.stringContaining('BITRIX24_CLIENT_SECRET_PARAMETER') }),
    );
  });

  test('both ways at once is refused, and the message never contains the value', () => {
    let message = '';
    try {
      loadConfig({ ...BASE, BITRIX24_CLIENT_SECRET: 'sekret-value', BITRIX24_CLIENT_SECRET_PARAMETER: '/b24/secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('not both');
    expect(message).not.toContain('sekret-value');
  });

  test('no secret at all is reported when a refresh asks for it, naming the variable', async () => {
    const source = clientSecretSource(loadConfig(BASE));
    await expect(source()).rejects.toMatchObject({ code: 'misconfigured', message: expect.stringContaining('BITRIX24_CLIENT_SECRET_PARAMETER') });
  });

  test('the parameter named by BITRIX24_CLIENT_SECRET_PARAMETER is read once and cached', async () => {
    const reads: string[] = [];
    const source = clientSecretSource(loadConfig({ ...BASE, BITRIX24_CLIENT_SECRET_PARAMETER: '/b24/secret' }), async (name) => {
      reads.push(name);
      return 'from-ssm';
    });
    expect(await Promise.all([source(), source(), source()])).toEqual(['from-ssm', 'from-ssm', 'from-ssm']);
    expect(reads).toEqual(['/b24/secret']);
  });
});

describe('cachedSecret', () => {
  test('a failed read is not cached: the next call reads again', async () => {
    let calls = 0;
    const source = cachedSecret(async () => {
      calls++;
      if (calls === 1) throw new Error('SSM hiccup');
      return 'value';
    });
    await expect(source()).rejects.toThrow('SSM hiccup');
    await expect(source()).resolves.toBe('value');
    expect(calls).toBe(2);
  });

  test('a rotated secret is picked up after CLIENT_SECRET_CACHE_TTL_MS', async () => {
    let now = 0;
    let version = 0;
    const source = cachedSecret(async () => `v${++version}`, () => now);
    expect(await source()).toBe('v1');
    now = CLIENT_SECRET_CACHE_TTL_MS;
    expect(await source()).toBe('v1');
    now = CLIENT_SECRET_CACHE_TTL_MS + 1;
    expect(await source()).toBe('v2');
  });
});
