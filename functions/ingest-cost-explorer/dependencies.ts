import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createCostExplorerFetcher } from '#shared/billing/cost-explorer/cost-explorer-query';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostExplorerWatermarks } from '#shared/store/dynamo-cost-explorer-watermarks';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

/** The adapters of ingest-cost-explorer, built once per container from the environment. */
export function createIngestCostExplorerDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  return {
    // Cost Explorer has one endpoint, in us-east-1, whatever the function's region.
    fetchCostAndUsage: createCostExplorerFetcher(new CostExplorerClient({ region: 'us-east-1' })),
    store: createDynamoCostStore({ documentClient, tableName }),
    watermarks: createDynamoCostExplorerWatermarks({ documentClient, tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
  };
}
