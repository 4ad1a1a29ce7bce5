import { mkdirSync } from 'node:fs';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { Gsi1, TableKey } from '#shared/store/table-schema';
import { closeServer, listenOnLoopback } from './loopback';

/** A running embedded DynamoDB-compatible engine with the pipeline's table created. */
export interface EmbeddedDynamo {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export interface EmbeddedDynamoProps {
  /** Folder for the LevelDB files; in memory when absent. */
  path?: string;
  tableName?: string;
}

/** The SDK client options that point at a local engine (dummy credentials, fixed region). */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  };
}

/**
 * Starts dynalite on a free loopback port and creates the table (with every index: dynalite
 * cannot add a GSI later). Reuses an existing table when `path` holds one.
 */
export async function startEmbeddedDynamo(props: EmbeddedDynamoProps = {}): Promise<EmbeddedDynamo> {
  const tableName = props.tableName ?? 'finops';
  if (props.path) mkdirSync(props.path, { recursive: true });
  const server = dynalite({ path: props.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server);
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  await ensureTable(client, tableName);
  return {
    endpoint,
    tableName,
    client,
    documentClient,
    stop: async () => {
      client.destroy();
      await closeServer(server);
    },
  };
}

async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TableKey.partition, AttributeType: 'S' },
          { AttributeName: TableKey.sort, AttributeType: 'S' },
          { AttributeName: Gsi1.partition, AttributeType: 'S' },
          { AttributeName: Gsi1.sort, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TableKey.partition, KeyType: 'HASH' },
          { AttributeName: TableKey.sort, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: Gsi1.name,
            KeySchema: [
              { AttributeName: Gsi1.partition, KeyType: 'HASH' },
              { AttributeName: Gsi1.sort, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  // dynalite marks the table ACTIVE a tick after answering CreateTable, so a DescribeTable can still
  // see CREATING; the SDK's default waiter then sleeps 20 s (1 start in ~20 did). Poll fast instead.
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.02, maxDelay: 0.2 },
    { TableName: tableName },
  );
}
