import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { type OpenCostConfig, readOpenCostConfig } from '#shared/k8s/k8s-config';
import { createOpenCostClient, type FetchAllocations } from '#shared/k8s/opencost-client';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

/** The adapters and config of ingest-k8s, built once per container from the environment. */
export function createIngestK8sDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const config: OpenCostConfig = readOpenCostConfig(env);
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  const fetchAllocations: FetchAllocations = createOpenCostClient({ baseUrl: config.url });
  return {
    config,
    fetchAllocations,
    costStore: createDynamoCostStore({ documentClient, tableName }),
    k8sStore: createDynamoK8sStore({ documentClient, tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
  };
}
