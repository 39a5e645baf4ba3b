/**
 * The package's public API (DESIGN.md "Library"), for Node services in the same AWS account:
 *
 *   import { createTokenVault } from 'b24-install-receiver';
 *   const vault = createTokenVault();   // the same environment as the handlers
 *   const { accessToken, clientEndpoint } = await vault.getAccessToken(memberId);
 */
export { createTokenVault, MAX_REFRESH_MARGIN_MS, REFRESH_MARGIN_MS } from './lib/token-vault';
export type { AccessToken, GetAccessTokenOptions, ResolvedToken, TokenSource, TokenVault, TokenVaultOptions, VaultLogger } from './lib/token-vault';
export {
  InstallationStateError,
  isReceiverError,
  MisconfiguredError,
  NotInstalledError,
  PaymentRequiredError,
  ReceiverError,
  UnavailableError,
} from './lib/errors';
export type { ErrorCode } from './lib/errors';
