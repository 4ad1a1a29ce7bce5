import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What the stores need of a DocumentClient: only `send`. Typing stores against this (rather
 * than the class) lets tests wrap the real SDK client to inject faults or record commands.
 */
export type DocumentClientLike = Pick<DynamoDBDocumentClient, 'send'>;

/**
 * A DocumentClient with the marshalling every store relies on: `undefined` attributes dropped
 * (optional fields), class instances rejected, numbers unwrapped to JS numbers. Money is never
 * stored as a DynamoDB Number read back through this client: stores keep it as exact decimal text.
 */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      removeUndefinedValues: true,
      convertEmptyValues: false,
      convertClassInstanceToMap: false,
    },
    unmarshallOptions: { wrapNumbers: false },
  });
}

/** True when an SDK error is DynamoDB's failed condition (the expected outcome of a lost race). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}
