import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';
import { StorageMisconfiguredError, UnavailableError } from './errors';
import { INSTALLATION_ATTRIBUTES, Installation } from './installation';
import type { KeepAliveCandidate, RefreshFailure, RefreshLease, StoredItem } from './refresh-lease';

/**
 * The installations table: the only module that imports the DynamoDB SDK. Every write is
 * conditioned on the version the writer read (or on the item not existing), so concurrent
 * deliveries leave one consistent item and the loser re-reads. (After Powertools' persistence layer.)
 */
export type SaveResult = 'saved' | 'conflict';

export interface InstallationsStore {
  /** Strongly consistent read. */
  get(memberId: string): Promise<Installation | undefined>;
  /** Writes the installation's attributes if the item is still at `expectedVersion` (undefined: must not exist yet). Other attributes on the item are left alone. */
  save(next: Installation, expectedVersion: number | undefined): Promise<SaveResult>;
  /** Deletes the item if it is still at `expectedVersion` (undefined: whatever it holds). */
  remove(memberId: string, expectedVersion: number | undefined): Promise<SaveResult>;
  /** Strongly consistent read of the installation and its refresh lease. */
  read(memberId: string): Promise<StoredItem>;
  /**
   * Takes the refresh lease if nobody holds it or the holder's has expired (by `nowMs`). Contention
   * is a result, not an error. On success, the item as it was when the lease was taken: the re-read.
   */
  acquireLease(memberId: string, owner: string, nowMs: number, ttlMs: number): Promise<{ acquired: true; item: StoredItem } | { acquired: false }>;
  /** Gives the lease back, only if `owner` still holds it; a failure is kept for those who waited on this refresh. */
  releaseLease(memberId: string, owner: string, failure: RefreshFailure | undefined): Promise<'released' | 'not_owner'>;
  /** Every item, page by page. */
  list(): AsyncIterable<Installation>;
  /** Active installations whose tokens were issued before `issuedBeforeSeconds`, and items with unverified installs. */
  keepAliveCandidates(issuedBeforeSeconds: number): Promise<KeepAliveCandidate[]>;
}

export interface DynamoStoreOptions {
  tableName: string;
  /** Per-attempt timeout; the SDK fails fast instead of hanging on a peer that accepts and never answers. */
  timeoutMs: number;
  /** A local DynamoDB (dynalite); the SDK would read AWS_ENDPOINT_URL_DYNAMODB itself, this makes it explicit. */
  endpoint?: string | undefined;
  region?: string | undefined;
  client?: DynamoDBDocumentClient;
}

export function createDocumentClient(options: Pick<DynamoStoreOptions, 'timeoutMs' | 'endpoint' | 'region'>): DynamoDBDocumentClient {
  const { timeoutMs } = options;
  const client = new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // Without this, requestTimeout only logs a warning and a silent peer hangs the request.
      throwOnRequestTimeout: true,
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/** Translates SDK failures into the product's vocabulary; never includes request parameters. */
export function storageError(error: unknown, tableName: string): Error {
  const name = errorName(error);
  if (name === 'ResourceNotFoundException') return new StorageMisconfiguredError(`Table ${tableName} does not exist`);
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new StorageMisconfiguredError(`No permission to use table ${tableName} (${name})`);
  }
  return new UnavailableError('storage_unavailable', `The installations table is unavailable (${name})`, { cause: error });
}

function parseInstallation(item: Record<string, unknown> | undefined): Installation | undefined {
  if (!item || item.version === undefined) return undefined;
  const parsed = Installation.safeParse(item);
  if (!parsed.success) throw new UnavailableError('storage_unavailable', `Stored item for this portal is malformed`);
  return parsed.data;
}

/** The lease and last failure live on the item beside the installation; installation writes leave them alone. */
function parseStoredItem(item: Record<string, unknown> | undefined): StoredItem {
  const stored: StoredItem = { installation: parseInstallation(item) };
  if (typeof item?.lease_owner === 'string' && typeof item.lease_expires_at_ms === 'number') {
    stored.lease = { owner: item.lease_owner, expiresAtMs: item.lease_expires_at_ms } satisfies RefreshLease;
  }
  if (typeof item?.refresh_failure === 'string' && typeof item.refresh_failed_at_ms === 'number') {
    stored.lastRefreshFailure = { code: item.refresh_failure, atMs: item.refresh_failed_at_ms };
  }
  return stored;
}

const LEASE_NAMES = { '#owner': 'lease_owner', '#leaseExpiresAt': 'lease_expires_at_ms' };
const FAILURE_NAMES = { '#failure': 'refresh_failure', '#failedAt': 'refresh_failed_at_ms' };

export function createDynamoStore(options: DynamoStoreOptions): InstallationsStore {
  const { tableName } = options;
  const client = options.client ?? createDocumentClient(options);

  /** Storage failures in the product's vocabulary; a failed condition is left for the caller to read as contention. */
  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') throw error;
      throw storageError(error, tableName);
    }
  }

  async function conditional(operation: () => Promise<{ Attributes?: Record<string, unknown> | undefined }>): Promise<Record<string, unknown> | undefined | 'conflict'> {
    try {
      return (await guarded(operation)).Attributes;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return 'conflict';
      throw error;
    }
  }

  async function read(memberId: string): Promise<StoredItem> {
    const result = await guarded(() => client.send(new GetCommand({ TableName: tableName, Key: { member_id: memberId }, ConsistentRead: true })));
    return parseStoredItem(result.Item);
  }

  async function* scan(input: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await guarded(() =>
        client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) })),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  return {
    read,

    async get(memberId) {
      return (await read(memberId)).installation;
    },

    async save(next, expectedVersion) {
      const names: Record<string, string> = { '#version': 'version' };
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      const removes: string[] = [];
      INSTALLATION_ATTRIBUTES.forEach((attribute, index) => {
        if (attribute === 'member_id') return;
        const name = attribute === 'version' ? '#version' : `#a${index}`;
        names[name] = attribute;
        const value = next[attribute];
        if (value === undefined) removes.push(name);
        else {
          sets.push(`${name} = :a${index}`);
          values[`:a${index}`] = value;
        }
      });
      let condition = 'attribute_not_exists(#version)';
      if (expectedVersion !== undefined) {
        condition = '#version = :expectedVersion';
        values[':expectedVersion'] = expectedVersion;
      }
      const result = await conditional(() =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { member_id: next.member_id },
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return result === 'conflict' ? 'conflict' : 'saved';
    },

    async remove(memberId, expectedVersion) {
      const result = await conditional(() =>
        client.send(new DeleteCommand({
          TableName: tableName,
          Key: { member_id: memberId },
          ...(expectedVersion === undefined
            ? {}
            : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
        })),
      );
      return result === 'conflict' ? 'conflict' : 'saved';
    },

    async acquireLease(memberId, owner, nowMs, ttlMs) {
      const before = await conditional(() =>
        client.send(new UpdateCommand({
          TableName: tableName,
          Key: { member_id: memberId },
          UpdateExpression: 'SET #owner = :owner, #leaseExpiresAt = :expiresAt',
          // Never creates an item; free, or held by someone whose lease has lapsed (a crashed owner).
          ConditionExpression: 'attribute_exists(#version) AND (attribute_not_exists(#owner) OR #leaseExpiresAt < :now)',
          ExpressionAttributeNames: { '#version': 'version', ...LEASE_NAMES },
          ExpressionAttributeValues: { ':owner': owner, ':expiresAt': nowMs + ttlMs, ':now': nowMs },
          // Installation attributes are the same before and after; the old item also tells whose lease lapsed.
          ReturnValues: 'ALL_OLD',
        })),
      );
      if (before === 'conflict') return { acquired: false };
      return { acquired: true, item: parseStoredItem(before) };
    },

    async releaseLease(memberId, owner, failure) {
      const result = await conditional(() =>
        client.send(new UpdateCommand({
          TableName: tableName,
          Key: { member_id: memberId },
          UpdateExpression: failure
            ? 'SET #failure = :failure, #failedAt = :failedAt REMOVE #owner, #leaseExpiresAt'
            : 'REMOVE #owner, #leaseExpiresAt, #failure, #failedAt',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { ...LEASE_NAMES, ...FAILURE_NAMES },
          ExpressionAttributeValues: { ':owner': owner, ...(failure ? { ':failure': failure.code, ':failedAt': failure.atMs } : {}) },
        })),
      );
      return result === 'conflict' ? 'not_owner' : 'released';
    },

    async *list() {
      for await (const item of scan({})) {
        const installation = parseInstallation(item);
        if (installation) yield installation;
      }
    },

    async keepAliveCandidates(issuedBeforeSeconds) {
      const candidates: KeepAliveCandidate[] = [];
      const items = scan({
        // Eventually consistent: half the read units of a table-wide scan, and nothing is decided on
        // it. Every candidate is read again consistently (the vault's read, reverify-pending's get)
        // before anything is refreshed or written; one missed by a just-landed write waits a day.
        ConsistentRead: false,
        FilterExpression: '(#state = :active AND (attribute_not_exists(#issued) OR #issued < :cutoff)) OR attribute_exists(#pending)',
        ProjectionExpression: '#memberId, #state, #issued, #pending',
        ExpressionAttributeNames: { '#memberId': 'member_id', '#state': 'state', '#issued': 'tokens_issued_at', '#pending': 'pending' },
        ExpressionAttributeValues: { ':active': 'active', ':cutoff': issuedBeforeSeconds },
      });
      for await (const item of items) {
        if (typeof item.member_id !== 'string') continue;
        const hasPending = Array.isArray(item.pending) && item.pending.length > 0;
        const oldTokens = item.state === 'active' && !(typeof item.tokens_issued_at === 'number' && item.tokens_issued_at >= issuedBeforeSeconds);
        candidates.push({
          memberId: item.member_id,
          oldTokens,
          hasPending,
          tokensIssuedAt: typeof item.tokens_issued_at === 'number' ? item.tokens_issued_at : 0,
        });
      }
      return candidates;
    },
  };
}

/** The table the configuration names: every function and the library build their store this way. */
export function storeFromConfig(config: Pick<Config, 'INSTALLATIONS_TABLE' | 'DYNAMODB_TIMEOUT_MS' | 'AWS_ENDPOINT_URL_DYNAMODB' | 'AWS_REGION'>): InstallationsStore {
  return createDynamoStore({
    tableName: config.INSTALLATIONS_TABLE,
    timeoutMs: config.DYNAMODB_TIMEOUT_MS,
    endpoint: config.AWS_ENDPOINT_URL_DYNAMODB,
    region: config.AWS_REGION,
  });
}

/** Creates the table as serverless.yml declares it (key `member_id`, on demand), if it is missing. For local runs and tests. */
export async function ensureInstallationsTable(options: Omit<DynamoStoreOptions, 'client'>): Promise<void> {
  const client = createDocumentClient(options);
  try {
    await client.send(new DescribeTableCommand({ TableName: options.tableName }));
    return;
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: options.tableName,
      AttributeDefinitions: [{ AttributeName: 'member_id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'member_id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
