import { keepAliveSetup } from '../../handlers/keepalive';
import { loadConfig } from '../../lib/config';
import { REFRESH_WRITTEN_MS } from '../deploy/time-bounds';

/** The keep-alive must never start an item it cannot finish before its timeout: a refresh cut off before its write loses the portal. */
test('the keep-alive stops starting items at least one worst-case refresh before its timeout', () => {
  const config = loadConfig({ INSTALLATIONS_TABLE: 't', BITRIX24_CLIENT_ID: 'c', BITRIX24_CLIENT_SECRET: 'not-used-here' });
  expect(keepAliveSetup(config).safetyMarginMs).toBeGreaterThan(REFRESH_WRITTEN_MS);
});
