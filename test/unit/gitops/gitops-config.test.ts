import { ConfigError } from '#shared/errors';
import { readGitopsConfig } from '#shared/gitops/gitops-config';
import { readOpenCostConfig, scheduledRange } from '#shared/k8s/k8s-config';

describe('readGitopsConfig', () => {
  it('defaults to the local git backend grouped per workload when only the repository is set', () => {
    expect(readGitopsConfig({ GITOPS_REPOSITORY: '/tmp/gitops' })).toEqual({
      backend: 'local-git',
      repository: '/tmp/gitops',
      baseBranch: 'main',
      grouping: 'workload',
    });
  });

  it('reads the GitHub settings when the backend is github', () => {
    expect(
      readGitopsConfig({
        GITOPS_BACKEND: 'github',
        GITOPS_REPOSITORY: 'apexlogic/gitops',
        GITHUB_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gh',
        GITHUB_API_URL: 'http://127.0.0.1:9999',
        GITOPS_PR_GROUPING: 'namespace',
      }),
    ).toMatchObject({
      backend: 'github',
      grouping: 'namespace',
      apiUrl: 'http://127.0.0.1:9999',
      token: { secretArn: expect.any(String) },
    });
  });

  it.each([
    [{}, /GITOPS_REPOSITORY is required/],
    [
      { GITOPS_REPOSITORY: 'x', GITOPS_BACKEND: 'svn' },
      /GITOPS_BACKEND must be local-git or github, got "svn"/,
    ],
    [
      { GITOPS_REPOSITORY: 'x', GITOPS_PR_GROUPING: 'team' },
      /GITOPS_PR_GROUPING must be workload or namespace/,
    ],
    [{ GITOPS_REPOSITORY: 'not a repo', GITOPS_BACKEND: 'github', GITHUB_TOKEN: 't' }, /owner\/name/],
    [{ GITOPS_REPOSITORY: 'a/b', GITOPS_BACKEND: 'github' }, /GITHUB_TOKEN_SECRET_ARN/],
  ])('fails fast on %j', (env, message) => {
    expect(() => readGitopsConfig(env)).toThrow(ConfigError);
    expect(() => readGitopsConfig(env)).toThrow(message);
  });
});

describe('readOpenCostConfig', () => {
  it('refuses an OpenCost URL that is not http(s)', () => {
    expect(() => readOpenCostConfig({ OPENCOST_URL: 'file:///var/opencost' })).toThrow(ConfigError);
  });

  it('reads the defaults when only the URL is set', () => {
    expect(readOpenCostConfig({ OPENCOST_URL: 'http://opencost.opencost:9003' })).toEqual({
      url: 'http://opencost.opencost:9003',
      lookbackDays: 3,
      currency: 'USD',
    });
  });

  it('fetches the days ending yesterday when scheduled', () => {
    expect(scheduledRange(new Date('2026-11-26T02:00:00Z'), 3)).toEqual({
      from: '2026-11-23',
      to: '2026-11-25',
    });
  });
});
