import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createGitopsBackend, readGitopsConfig } from '#shared/gitops/gitops-config';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

/** The adapters of open-rightsizing-pr: the configured GitOps backend, the store, the publisher. */
export function createOpenPrDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const gitops = readGitopsConfig(env);
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  const k8sStore = createDynamoK8sStore({ documentClient, tableName });
  return {
    grouping: gitops.grouping,
    k8sStore,
    backend: (now: () => Date) => createGitopsBackend(gitops, { store: k8sStore, now }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
  };
}
