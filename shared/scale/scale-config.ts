import { EnvName } from '#shared/config/env-names';
import { booleanEnv, type Env, optionalEnv, requireEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import { loadScalingPolicy } from '#shared/policy/policy-source';
import type { ScalingPolicy } from '#shared/policy/scaling-policy';

/** Settings of scale-endpoint and slack-interactions, parsed once from the environment. */
export interface ScaleConfig {
  tableName: string;
  eventBusName: string;
  policy: ScalingPolicy;
  /** `DRY_RUN=true` forces dry-run; false/unset leaves it to the policy. */
  forceDryRun: boolean;
  /** Local runtime: recorded SageMaker/Application Auto Scaling responses instead of the APIs. */
  sagemakerRecording?: string;
  /** Direct Kubernetes scaling: API server URL (plain HTTP, e.g. `kubectl proxy`) or a kubeconfig. */
  kubernetes: { apiUrl?: string; kubeconfig?: string };
}

/**
 * TABLE_NAME, EVENT_BUS_NAME, SCALING_POLICY (path or inline YAML; required: no policy, no
 * action), DRY_RUN, SAGEMAKER_RECORDING, KUBERNETES_API_URL, KUBECONFIG. The GitOps settings
 * (GITOPS_*, GITHUB_*) are read by shared/gitops/gitops-config.ts when a GitOps action runs.
 */
export function readScaleConfig(env: Env): ScaleConfig {
  // Validated here too, so a typo fails at start rather than at the first GitOps action.
  const backend = optionalEnv(env, EnvName.gitopsBackend) ?? 'local-git';
  if (backend !== 'local-git' && backend !== 'github') {
    throw new ConfigError(
      `${EnvName.gitopsBackend} must be local-git or github, got ${JSON.stringify(backend)}`,
    );
  }
  return {
    tableName: requireEnv(env, EnvName.tableName, 'the single table of the stateful stack'),
    eventBusName: requireEnv(env, EnvName.eventBusName, 'the pipeline bus'),
    policy: loadScalingPolicy(
      requireEnv(env, EnvName.scalingPolicy, 'a path to the scaling policy YAML, or its text'),
      EnvName.scalingPolicy,
    ),
    forceDryRun: booleanEnv(env, EnvName.dryRun, false),
    sagemakerRecording: optionalEnv(env, EnvName.sagemakerRecording),
    kubernetes: {
      apiUrl: optionalEnv(env, EnvName.kubernetesApiUrl),
      kubeconfig: optionalEnv(env, EnvName.kubeconfig),
    },
  };
}
