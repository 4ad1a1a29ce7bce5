import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { readDetectionConfig } from '#shared/detect/detection-config';
import type { RunDetectionInput } from '#shared/detect/run-detection';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createDynamoAnomalyStore } from '#shared/store/dynamo-anomaly-store';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

/** The adapters and config of detect-anomalies, built once per container from the environment. */
export function createDetectionDependencies(
  env: Env,
): Pick<RunDetectionInput, 'costStore' | 'anomalyStore' | 'publish' | 'config'> {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  return {
    costStore: createDynamoCostStore({ documentClient, tableName }),
    anomalyStore: createDynamoAnomalyStore({ documentClient, tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
    config: readDetectionConfig(env),
  };
}
