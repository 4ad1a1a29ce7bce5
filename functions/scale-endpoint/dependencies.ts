import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Env } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createGitopsBackend, readGitopsConfig } from '#shared/gitops/gitops-config';
import { createRecordedSdkClient, loadRecording } from '#shared/idle/recorded-sdk-client';
import { readSlackWebhookSource, webhookUrlFromSecret } from '#shared/notify/slack-config';
import { createSlackWebhookSender } from '#shared/notify/slack-webhook-sender';
import type { LogSink } from '#shared/observability';
import type { ActionEndpoint } from '#shared/scale/action-record';
import { buildApprovalMessage } from '#shared/scale/approval-message';
import { createGitopsScalePrOpener } from '#shared/scale/gitops-pr-adapter';
import { createGitopsScaler } from '#shared/scale/gitops-scaler';
import { createClientNodeScaleApi, createHttpScaleApi } from '#shared/scale/kubernetes-scale-api';
import { createKubernetesScaler, type KubernetesScaleApi } from '#shared/scale/kubernetes-scaler';
import { createSageMakerScaler } from '#shared/scale/sagemaker-scaler';
import { readScaleConfig } from '#shared/scale/scale-config';
import type { ScaleEndpointDependencies } from '#shared/scale/scale-endpoint';
import { executorKind, type ScaleExecutor } from '#shared/scale/scale-executor';
import { createDynamoActionStore } from '#shared/store/dynamo-action-store';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

/**
 * The adapters of scale-endpoint (and slack-interactions, which executes approved actions):
 * action store, executors per platform, EventBridge publisher and the Slack approval poster.
 * Executors and the webhook are built lazily, so a misconfigured platform fails only its actions.
 */
export function createScaleDependencies(env: Env, log?: LogSink): ScaleEndpointDependencies {
  const config = readScaleConfig(env);
  const documentClient = createDocumentClient(new DynamoDBClient({}));
  const recording = config.sagemakerRecording ? loadRecording(config.sagemakerRecording) : undefined;
  const sagemaker = createSageMakerScaler({
    sagemaker: recording
      ? createRecordedSdkClient(recording, config.sagemakerRecording)
      : new SageMakerClient({}),
    autoscaling: recording
      ? createRecordedSdkClient(recording, config.sagemakerRecording)
      : new ApplicationAutoScalingClient({}),
  });
  let gitops: ScaleExecutor | undefined;
  let direct: ScaleExecutor | undefined;
  const lazyKubernetesApi = (): KubernetesScaleApi => {
    let api: Promise<KubernetesScaleApi> | undefined;
    const get = () => {
      if (config.kubernetes.apiUrl)
        return Promise.resolve(createHttpScaleApi({ server: config.kubernetes.apiUrl }));
      if (config.kubernetes.kubeconfig) {
        api ??= createClientNodeScaleApi({ kubeconfigPath: config.kubernetes.kubeconfig });
        return api;
      }
      throw new ConfigError(
        'KUBERNETES_API_URL or KUBECONFIG is required to scale workloads that are not GitOps-managed',
      );
    };
    return {
      readScale: async (ns, name) => (await get()).readScale(ns, name),
      patchScale: async (ns, name, replicas) => (await get()).patchScale(ns, name, replicas),
      readAnnotations: async (ns, name) => (await get()).readAnnotations(ns, name),
      patchAnnotations: async (ns, name, annotations) =>
        (await get()).patchAnnotations(ns, name, annotations),
    };
  };
  const executorFor = (endpoint: ActionEndpoint): ScaleExecutor => {
    const kind = executorKind(endpoint);
    if (kind === 'sagemaker') return sagemaker;
    if (kind === 'kubernetes-direct') {
      direct ??= createKubernetesScaler(lazyKubernetesApi());
      return direct;
    }
    if (!gitops) {
      const store = createDynamoK8sStore({ documentClient, tableName: config.tableName });
      // A backend per PR: GitHub installation tokens expire, and the config is read only when a
      // GitOps action actually happens (GITOPS_REPOSITORY is not needed for SageMaker-only use).
      gitops = createGitopsScaler(async (request) => {
        const backend = await createGitopsBackend(readGitopsConfig(env), { store, now: () => new Date() });
        return createGitopsScalePrOpener(backend)(request);
      });
    }
    return gitops;
  };
  return {
    policy: config.policy,
    store: createDynamoActionStore({ documentClient, tableName: config.tableName }),
    executorFor,
    publish: createEventBridgePublisher({
      client: new EventBridgeClient({}),
      eventBusName: config.eventBusName,
    }),
    requestApproval: async (record) => {
      const source = readSlackWebhookSource(env);
      const webhookUrl =
        source.kind === 'url'
          ? source.webhookUrl
          : webhookUrlFromSecret(
              String(await getSecret(source.secretArn, { maxAge: 300 })),
              source.secretArn,
            );
      await createSlackWebhookSender({ webhookUrl })(buildApprovalMessage(record));
    },
    forceDryRun: config.forceDryRun,
    now: () => new Date(),
    log,
  };
}
