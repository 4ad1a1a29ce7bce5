import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import type { DetectIdleDependencies } from '#shared/idle/detect-idle-endpoints';
import { readIdleConfig } from '#shared/idle/idle-config';
import { createRecordedSdkClient, loadRecording } from '#shared/idle/recorded-sdk-client';
import { createSageMakerEndpointSource } from '#shared/idle/sagemaker-endpoint-source';
import type { LogSink } from '#shared/observability';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

/** The adapters and settings of detect-idle-endpoints, built once per container from the environment. */
export function createIdleDetectionDependencies(
  env: Env,
  log?: LogSink,
): Omit<DetectIdleDependencies, 'now'> {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const config = readIdleConfig(env);
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  const recording = config.sagemakerRecording ? loadRecording(config.sagemakerRecording) : undefined;
  const sagemaker = recording
    ? createRecordedSdkClient(recording, config.sagemakerRecording)
    : new SageMakerClient({});
  const cloudwatch = recording
    ? createRecordedSdkClient(recording, config.sagemakerRecording)
    : new CloudWatchClient({});
  return {
    sagemaker: createSageMakerEndpointSource({ sagemaker, cloudwatch, log }),
    kubernetes: createDynamoK8sStore({ documentClient, tableName }),
    costStore: createDynamoCostStore({ documentClient, tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
    thresholds: config.thresholds,
    currency: 'USD',
    environmentTag: 'environment',
    directScale: config.directScale,
    log,
  };
}
