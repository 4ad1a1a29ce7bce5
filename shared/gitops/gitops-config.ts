import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { EnvName } from '#shared/config/env-names';
import { type Env, integerEnv, optionalEnv, requireEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import type { K8sStore } from '#shared/store/dynamo-k8s-store';
import { createGithubBackend } from './github-backend';
import { parseGithubSecret, resolveGithubToken } from './github-token';
import { createLocalGitBackend } from './local-git-backend';
import type { GitopsBackend } from './pr-opener';

/** Where pull requests go, parsed once from the environment. */
export type GitopsConfig =
  | { backend: 'local-git'; repository: string; baseBranch: string; grouping: 'workload' | 'namespace' }
  | {
      backend: 'github';
      repository: string;
      baseBranch: string;
      grouping: 'workload' | 'namespace';
      apiUrl?: string;
      token: { secretArn: string } | { value: string };
    };

/**
 * Parses GITOPS_BACKEND (`local-git` default, or `github`), GITOPS_REPOSITORY (a folder, or
 * `owner/name`), GITOPS_BASE_BRANCH (default `main`), GITOPS_PR_GROUPING (`workload` default or
 * `namespace`), and for GitHub GITHUB_TOKEN_SECRET_ARN or GITHUB_TOKEN and optional GITHUB_API_URL.
 */
export function readGitopsConfig(env: Env): GitopsConfig {
  const backend = optionalEnv(env, EnvName.gitopsBackend) ?? 'local-git';
  const repository = requireEnv(
    env,
    EnvName.gitopsRepository,
    'a local repository folder, or owner/name on GitHub',
  );
  const baseBranch = optionalEnv(env, EnvName.gitopsBaseBranch) ?? 'main';
  const grouping = optionalEnv(env, EnvName.gitopsPrGrouping) ?? 'workload';
  if (grouping !== 'workload' && grouping !== 'namespace') {
    throw new ConfigError(
      `${EnvName.gitopsPrGrouping} must be workload or namespace, got ${JSON.stringify(grouping)}`,
    );
  }
  if (backend === 'local-git') return { backend, repository, baseBranch, grouping };
  if (backend !== 'github') {
    throw new ConfigError(
      `${EnvName.gitopsBackend} must be local-git or github, got ${JSON.stringify(backend)}`,
    );
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new ConfigError(
      `${EnvName.gitopsRepository} must be owner/name for GitHub, got ${JSON.stringify(repository)}`,
    );
  }
  const secretArn = optionalEnv(env, EnvName.githubTokenSecretArn);
  const value = optionalEnv(env, EnvName.githubToken);
  if (!secretArn && !value) {
    throw new ConfigError(
      `GitHub backend needs ${EnvName.githubTokenSecretArn} (or ${EnvName.githubToken} locally)`,
    );
  }
  const apiUrl = optionalEnv(env, EnvName.githubApiUrl);
  if (apiUrl && !/^https?:\/\//.test(apiUrl)) {
    throw new ConfigError(`${EnvName.githubApiUrl} must be an http(s) URL, got ${JSON.stringify(apiUrl)}`);
  }
  return {
    backend,
    repository,
    baseBranch,
    grouping,
    ...(apiUrl ? { apiUrl } : {}),
    token: secretArn ? { secretArn } : { value: value as string },
  };
}

/** The rightsizing window from RIGHTSIZING_WINDOW_DAYS (7..90, default 14). */
export function readRightsizingWindowDays(env: Env): number {
  return integerEnv(env, EnvName.rightsizingWindowDays, 14, 7, 90);
}

/**
 * Builds the configured backend. The GitHub secret (token, or GitHub App credentials that mint
 * an installation token) is read from Secrets Manager through Powertools (cached five minutes)
 * and never logged.
 */
export async function createGitopsBackend(
  config: GitopsConfig,
  deps: {
    store: Pick<K8sStore, 'getPullRequest' | 'createPullRequest' | 'updatePullRequest'>;
    now: () => Date;
  },
): Promise<GitopsBackend> {
  if (config.backend === 'local-git') {
    return createLocalGitBackend({
      repoDir: config.repository,
      baseBranch: config.baseBranch,
      store: deps.store,
      now: deps.now,
    });
  }
  const secret =
    'value' in config.token
      ? config.token.value
      : String(await getSecret(config.token.secretArn, { maxAge: 300 }));
  const token = await resolveGithubToken(parseGithubSecret(secret), {
    now: deps.now,
    ...(config.apiUrl ? { baseUrl: config.apiUrl } : {}),
  });
  return createGithubBackend({
    repository: config.repository,
    token,
    baseBranch: config.baseBranch,
    now: deps.now,
    ...(config.apiUrl ? { baseUrl: config.apiUrl } : {}),
  });
}
