import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CostExplorerWatermarks } from '#shared/billing/cost-explorer/cost-explorer-watermarks';
import type { IsoDay } from '#shared/cost/cost-point';
import { type DocumentClientLike, isConditionalCheckFailed } from '#shared/store/dynamo-client';

/** Partition key prefix of the watermark items: `CEWATERMARK#<account>` / `WATERMARK`. */
export const CE_WATERMARK_PREFIX = 'CEWATERMARK#';
const WATERMARK_SK = 'WATERMARK';

/** The DynamoDB implementation of the Cost Explorer final-through watermarks (monotonic conditional update). */
export function createDynamoCostExplorerWatermarks(props: {
  documentClient: DocumentClientLike;
  tableName: string;
}): CostExplorerWatermarks {
  const { documentClient: db, tableName } = props;
  const key = (account: string) => ({ pk: `${CE_WATERMARK_PREFIX}${account}`, sk: WATERMARK_SK });
  return {
    async getFinalThrough(account) {
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: key(account), ConsistentRead: true }),
      );
      return Item?.finalThrough === undefined ? undefined : String(Item.finalThrough);
    },
    async advanceFinalThrough(account: string, day: IsoDay) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(account),
            UpdateExpression: 'SET finalThrough = :day',
            ConditionExpression: 'attribute_not_exists(finalThrough) OR finalThrough < :day',
            ExpressionAttributeValues: { ':day': day },
          }),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    },
  };
}
