import { loadConfig } from '../../lib/config';
import { itemTimeBoundMs, KEEPALIVE_SLACK_MS } from '../../lib/keep-alive';

/**
 * How long each function may legitimately take, from lib/config's time limits, counting every call
 * along the path at its own limit. A Lambda timeout must sit above the longest path the function must
 * not be cut off in: cut off there, something is lost (an event Bitrix24 never resends, a refresh
 * token rotated but not yet written). Later steps may be cut off safely; each bound says why.
 */
const config = loadConfig({ INSTALLATIONS_TABLE: 't', BITRIX24_CLIENT_ID: 'c' });

/** One DynamoDB call: two attempts of DYNAMODB_TIMEOUT_MS (lib/installations-store.ts maxAttempts). */
const DYNAMODB_CALL_MS = 2 * config.DYNAMODB_TIMEOUT_MS;
/** One OAuth-server call; the client secret's SSM read has the same limit (lib/client-secret.ts). */
const OAUTH_CALL_MS = config.OAUTH_TIMEOUT_MS;
/** One send to the capture queue: two attempts of CAPTURE_TIMEOUT_MS (lib/capture/sqs-capture.ts). */
const CAPTURE_MS = 2 * config.CAPTURE_TIMEOUT_MS;
/** A refresher that crashed holding the portal's lease blocks it this long (lib/single-flight.ts). */
const LEASE_LAPSE_MS = config.REFRESH_LEASE_TTL_MS;
/** handlers/keepalive.ts stops starting new items this long before its timeout. */
const KEEPALIVE_SAFETY_MARGIN_MS = itemTimeBoundMs(config) + KEEPALIVE_SLACK_MS;

/**
 * A refresh behind a crashed refresher's lease, up to the write of the refreshed token: read (the
 * lease is held), the lease lapses, read, take the lease, read the secret, refresh, write the tokens.
 * The lease's release and the caller's later steps may be cut off: the lease lapses by itself.
 */
export const REFRESH_WRITTEN_MS = DYNAMODB_CALL_MS + LEASE_LAPSE_MS + 2 * DYNAMODB_CALL_MS + 2 * OAUTH_CALL_MS + DYNAMODB_CALL_MS;

/** An install stored or captured: read, ask the OAuth server, conditional write (fails), capture. */
export const INSTALL_KEPT_MS = DYNAMODB_CALL_MS + OAUTH_CALL_MS + DYNAMODB_CALL_MS + CAPTURE_MS;

/**
 * An uninstall read, then confirmed through the vault, which may refresh first. After the refreshed
 * token is written, a cut-off keeps the installation: the same as an uninstall that cannot be confirmed.
 */
export const UNINSTALL_REFRESH_WRITTEN_MS = DYNAMODB_CALL_MS + REFRESH_WRITTEN_MS;

/** The keep-alive budgets itself (remaining time minus its margin): its timeout must leave room for at least one item past the margin. */
export const KEEPALIVE_LAST_ITEM_MS = KEEPALIVE_SAFETY_MARGIN_MS + REFRESH_WRITTEN_MS;

/** API Gateway HTTP API waits at most this long for a Lambda integration (osls warns at a timeout of 30 s). */
export const HTTP_API_INTEGRATION_LIMIT_MS = 30_000;
