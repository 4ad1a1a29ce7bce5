import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SeriesRef } from '#shared/cost/series-key';
import {
  type AnomalyStore,
  AnomalyVersionConflictError,
  type StoredAnomaly,
} from '#shared/detect/anomaly-store-port';
import { parseAnomalyId } from '#shared/detect/episodes';
import type { FeedbackRecord } from '#shared/detect/feedback-policy';
import { formatMoney, parseMoney } from '#shared/money';
import { Gsi1, TableKey } from '#shared/store/table-schema';

/** Props of createDynamoAnomalyStore. */
export interface DynamoAnomalyStoreProps {
  documentClient: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
}

const SERIES_PREFIX = 'ANOMALY#';
const EPISODE_PREFIX = 'EPISODE#';
const FEEDBACK_PREFIX = 'FEEDBACK#';
/** One GSI partition lists every anomaly by start day: anomalies are rare (a few a day at most). */
const LIST_PARTITION = 'ANOMALY';

/**
 * Anomaly episodes and feedback in the single table. Keys: `pk = ANOMALY#<currency>|<seriesKey>`,
 * `sk = EPISODE#<startDay>` (one item per episode, optimistic `version`) or
 * `FEEDBACK#<startDay>#<recordedAt>`; `gsi1` (`ANOMALY`, `<startDay>#<anomalyId>`) lists them.
 * Money travels as exact decimal text inside the `data` attribute.
 */
export function createDynamoAnomalyStore(props: DynamoAnomalyStoreProps): AnomalyStore {
  const { documentClient, tableName } = props;
  const seriesPk = (ref: SeriesRef) => `${SERIES_PREFIX}${ref.currency}|${ref.seriesKey}`;

  return {
    async getAnomaly(anomalyId) {
      const { ref, startDay } = parseAnomalyId(anomalyId);
      const result = await documentClient.send(
        new GetCommand({
          TableName: tableName,
          Key: { [TableKey.partition]: seriesPk(ref), [TableKey.sort]: `${EPISODE_PREFIX}${startDay}` },
          ConsistentRead: true,
        }),
      );
      return result.Item ? decode<StoredAnomaly>(result.Item.data as string) : undefined;
    },

    async getOpenEpisode(ref) {
      const result = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort },
          ExpressionAttributeValues: { ':pk': seriesPk(ref), ':prefix': EPISODE_PREFIX },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const item = result.Items?.[0];
      if (item?.status !== 'open') return undefined;
      return decode<StoredAnomaly>(item.data as string);
    },

    async putAnomaly(anomaly, expectedVersion) {
      const { episode } = anomaly;
      if (anomaly.version !== (expectedVersion ?? 0) + 1) {
        throw new RangeError(
          `anomaly ${episode.anomalyId} version must be ${(expectedVersion ?? 0) + 1}, got ${anomaly.version}`,
        );
      }
      try {
        await documentClient.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [TableKey.partition]: seriesPk(episode),
              [TableKey.sort]: `${EPISODE_PREFIX}${episode.startDay}`,
              [Gsi1.partition]: LIST_PARTITION,
              [Gsi1.sort]: `${episode.startDay}#${episode.anomalyId}`,
              anomalyId: episode.anomalyId,
              status: episode.status,
              severity: episode.severity,
              startDay: episode.startDay,
              lastDay: episode.lastDay,
              version: anomaly.version,
              data: encode(anomaly),
            },
            ...(expectedVersion === undefined
              ? {
                  ConditionExpression: 'attribute_not_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': TableKey.partition },
                }
              : {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
          throw new AnomalyVersionConflictError(episode.anomalyId, expectedVersion, { cause: error });
        }
        throw error;
      }
    },

    async listAnomalies(range = {}) {
      const anomalies: StoredAnomaly[] = [];
      let startKey: Record<string, unknown> | undefined;
      const limit = range.limit ?? Number.POSITIVE_INFINITY;
      do {
        const result = await documentClient.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: Gsi1.name,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': Gsi1.partition, '#sk': Gsi1.sort },
            ExpressionAttributeValues: {
              ':pk': LIST_PARTITION,
              ':from': range.from ?? '0000',
              ':to': `${range.to ?? '9999'}#\uffff`,
            },
            ScanIndexForward: false,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of result.Items ?? []) {
          if (anomalies.length < limit) anomalies.push(decode<StoredAnomaly>(item.data as string));
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey && anomalies.length < limit);
      return anomalies;
    },

    async putFeedback(record) {
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            [TableKey.partition]: seriesPk(record),
            [TableKey.sort]: `${FEEDBACK_PREFIX}${record.anomalyStartDay}#${record.recordedAt}`,
            anomalyId: record.anomalyId,
            kind: record.kind,
            data: encode(record),
          },
        }),
      );
    },

    async listFeedback(ref) {
      return queryFeedback(seriesPk(ref), FEEDBACK_PREFIX);
    },

    async listAnomalyFeedback(anomalyId) {
      const { ref, startDay } = parseAnomalyId(anomalyId);
      const records = await queryFeedback(seriesPk(ref), `${FEEDBACK_PREFIX}${startDay}#`);
      return records.filter((record) => record.anomalyId === anomalyId);
    },
  };

  async function queryFeedback(pk: string, prefix: string): Promise<FeedbackRecord[]> {
    const records: FeedbackRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': TableKey.partition, '#sk': TableKey.sort },
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of result.Items ?? []) records.push(decode<FeedbackRecord>(item.data as string));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}

/** JSON with Money (bigint) as `{"$money": "<exact decimal>"}` so amounts round-trip exactly. */
function encode(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' ? { $money: formatMoney(inner) } : inner,
  );
}

function decode<T>(text: string): T {
  return JSON.parse(text, (_key, inner: unknown) => {
    if (
      inner !== null &&
      typeof inner === 'object' &&
      typeof (inner as { $money?: unknown }).$money === 'string'
    ) {
      return parseMoney((inner as { $money: string }).$money);
    }
    return inner;
  }) as T;
}
