import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import {
  createGitopsBackend,
  readGitopsConfig,
  readRightsizingWindowDays,
} from '#shared/gitops/gitops-config';
import { readWorkloadSpec } from '#shared/gitops/manifest-patcher';
import type { ReadWorkloadSpec } from '#shared/rightsizing/recommend-workloads';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

/** The adapters of recommend-rightsizing; the spec reader reads the GitOps base branch once per run. */
export function createRecommendDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const gitops = readGitopsConfig(env);
  const windowDays = readRightsizingWindowDays(env);
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  const k8sStore = createDynamoK8sStore({ documentClient, tableName });
  const specReader = async (now: () => Date): Promise<ReadWorkloadSpec> => {
    const backend = await createGitopsBackend(gitops, { store: k8sStore, now });
    const { reader } = await backend.readBase();
    return async (workload) => (await readWorkloadSpec(reader, workload))?.spec;
  };
  return {
    k8sStore,
    specReader,
    params: { windowDays },
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
  };
}
