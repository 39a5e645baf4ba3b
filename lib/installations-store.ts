import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StorageMisconfiguredError, UnavailableError } from './errors';
import { INSTALLATION_ATTRIBUTES, Installation } from './installation';

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

export function createDynamoStore(options: DynamoStoreOptions): InstallationsStore {
  const { tableName } = options;
  const client = options.client ?? createDocumentClient(options);

  return {
    async get(memberId) {
      let item: Record<string, unknown> | undefined;
      try {
        const result = await client.send(new GetCommand({ TableName: tableName, Key: { member_id: memberId }, ConsistentRead: true }));
        item = result.Item;
      } catch (error) {
        throw storageError(error, tableName);
      }
      if (!item || item.version === undefined) return undefined;
      const parsed = Installation.safeParse(item);
      if (!parsed.success) throw new UnavailableError('storage_unavailable', `Stored item for this portal is malformed`);
      return parsed.data;
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
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { member_id: next.member_id },
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'saved';
      } catch (error) {
        if (errorName(error) === 'ConditionalCheckFailedException') return 'conflict';
        throw storageError(error, tableName);
      }
    },
  };
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
