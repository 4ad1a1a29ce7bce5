import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActionRecord, ActionStore } from '#shared/scale/action-record';
import { type DocumentClientLike, isConditionalCheckFailed } from '#shared/store/dynamo-client';
import { Gsi1, TableKey, TTL_ATTRIBUTE } from '#shared/store/table-schema';

const RECORD_SK = 'RECORD';
const PENDING_PK = 'ACTION-PENDING';
const actionPk = (actionId: string) => `ACTION#${actionId}`;
const endpointIndexPk = (endpoint: { platform: string; id: string }) =>
  `ACTIONS#${endpoint.platform}#${endpoint.id}`;
const signaturePk = (signature: string) => `SLACKSIG#${signature}`;

/** Table and client of the DynamoDB action store. */
export interface DynamoActionStoreProps {
  documentClient: DocumentClientLike;
  tableName: string;
}

/**
 * Action audit over the single table: `ACTION#<actionId>` / `RECORD` holds the record (indexed on
 * gsi1 by endpoint, newest first), `ACTION-PENDING` / `<actionId>` lists open approvals, and
 * `SLACKSIG#<signature>` remembers request signatures (TTL housekeeping only).
 */
export function createDynamoActionStore(props: DynamoActionStoreProps): ActionStore {
  const { documentClient: db, tableName } = props;

  const toItem = (record: ActionRecord) => ({
    [TableKey.partition]: actionPk(record.actionId),
    [TableKey.sort]: RECORD_SK,
    [Gsi1.partition]: endpointIndexPk(record.endpoint),
    [Gsi1.sort]: `${record.decidedAt}#${record.actionId}`,
    type: 'action',
    record: JSON.parse(JSON.stringify(record)) as ActionRecord,
  });

  async function syncPending(record: ActionRecord): Promise<void> {
    const key = {
      [TableKey.partition]: PENDING_PK,
      [TableKey.sort]: `${record.decidedAt}#${record.actionId}`,
    };
    if (record.outcome === 'awaiting-approval') {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...key, type: 'action-pending', actionId: record.actionId },
        }),
      );
    } else {
      await db.send(new DeleteCommand({ TableName: tableName, Key: key }));
    }
  }

  async function getAction(actionId: string): Promise<ActionRecord | undefined> {
    const read = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: { [TableKey.partition]: actionPk(actionId), [TableKey.sort]: RECORD_SK },
        ConsistentRead: true,
      }),
    );
    return read.Item?.record as ActionRecord | undefined;
  }

  return {
    getAction,
    async createAction(record) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(record),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TableKey.partition },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        const existing = await getAction(record.actionId);
        if (!existing) throw error;
        return { created: false, record: existing };
      }
      if (record.outcome === 'awaiting-approval') await syncPending(record);
      return { created: true, record };
    },
    async transitionAction(actionId, from, patch) {
      const current = await getAction(actionId);
      if (!current || !from.includes(current.outcome)) return undefined;
      const next: ActionRecord = { ...current, ...patch };
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(next),
            // Compare-and-set on the outcome read above: a concurrent click or delivery loses.
            ConditionExpression: '#record.#outcome = :outcome',
            ExpressionAttributeNames: { '#record': 'record', '#outcome': 'outcome' },
            ExpressionAttributeValues: { ':outcome': current.outcome },
          }),
        );
      } catch (error) {
        if (isConditionalCheckFailed(error)) return undefined;
        throw error;
      }
      if (current.outcome === 'awaiting-approval' || next.outcome === 'awaiting-approval')
        await syncPending(next);
      return next;
    },
    async markAction(actionId, flags) {
      const names: Record<string, string> = { '#record': 'record' };
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      for (const [field, value] of Object.entries(flags)) {
        if (value === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#record.#${field} = :${field}`);
      }
      if (sets.length === 0) return;
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [TableKey.partition]: actionPk(actionId), [TableKey.sort]: RECORD_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { ...names, '#pk': TableKey.partition },
          ExpressionAttributeValues: values,
        }),
      );
    },
    async listEndpointActions(endpoint, limit = 50) {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: Gsi1.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': Gsi1.partition },
          ExpressionAttributeValues: { ':pk': endpointIndexPk(endpoint) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (page.Items ?? []).map((item) => item.record as ActionRecord);
    },
    async listPendingApprovals() {
      const ids: string[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TableKey.partition },
            ExpressionAttributeValues: { ':pk': PENDING_PK },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) ids.push(item.actionId as string);
        startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
      } while (startKey);
      const records = await Promise.all(ids.map((id) => getAction(id)));
      return records.filter((record): record is ActionRecord => record?.outcome === 'awaiting-approval');
    },
    async claimRequestSignature(signature, expiresAt) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [TableKey.partition]: signaturePk(signature),
              [TableKey.sort]: 'SIGNATURE',
              type: 'request-signature',
              [TTL_ATTRIBUTE]: Math.ceil(expiresAt.getTime() / 1000),
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TableKey.partition },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailed(error)) return false;
        throw error;
      }
    },
  };
}
