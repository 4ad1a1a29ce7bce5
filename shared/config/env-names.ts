/**
 * Names of the environment variables the functions read, shared by the CDK stacks (which set
 * them) and the runtime code (which parses them once, failing fast). Each area's config module
 * documents defaults and valid values.
 */
export const EnvName = {
  tableName: 'TABLE_NAME',
  eventBusName: 'EVENT_BUS_NAME',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL',
  slackWebhookSecretArn: 'SLACK_WEBHOOK_SECRET_ARN',
  slackSigningSecret: 'SLACK_SIGNING_SECRET',
  slackSigningSecretArn: 'SLACK_SIGNING_SECRET_ARN',
  costColumn: 'COST_COLUMN',
  tagKeys: 'TAG_KEYS',
  opencostUrl: 'OPENCOST_URL',
  githubTokenSecretArn: 'GITHUB_TOKEN_SECRET_ARN',
  githubToken: 'GITHUB_TOKEN',
  gitopsRepository: 'GITOPS_REPOSITORY',
  gitopsBackend: 'GITOPS_BACKEND',
  scalingPolicy: 'SCALING_POLICY',
  dryRun: 'DRY_RUN',
  idleWindowHours: 'IDLE_WINDOW_HOURS',
  idleMinHours: 'IDLE_MIN_HOURS',
  idleMaxInvocationsPerHour: 'IDLE_MAX_INVOCATIONS_PER_HOUR',
  idleMaxGpuUtilisation: 'IDLE_MAX_GPU_UTILISATION',
  sagemakerRecording: 'SAGEMAKER_RECORDING',
  kubernetesDirectScale: 'KUBERNETES_DIRECT_SCALE',
  kubernetesApiUrl: 'KUBERNETES_API_URL',
  kubeconfig: 'KUBECONFIG',
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  exportBucketName: 'EXPORT_BUCKET_NAME',
  anomalyMonitors: 'ANOMALY_MONITORS',
  anomalyMinImpact: 'ANOMALY_MIN_IMPACT',
  anomalyMinImpactPercent: 'ANOMALY_MIN_IMPACT_PERCENT',
  anomalyHistoryDays: 'ANOMALY_HISTORY_DAYS',
} as const;
export type EnvNameValue = (typeof EnvName)[keyof typeof EnvName];
