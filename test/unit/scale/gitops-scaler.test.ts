import type { ActionRecord } from '#shared/scale/action-record';
import { createGitopsScaler, escapeMarkdown, type ScalePrRequest } from '#shared/scale/gitops-scaler';

const deployment = {
  platform: 'kubernetes' as const,
  id: 'vision/Deployment/image-captioner',
  name: 'image-captioner',
  namespace: 'vision',
  kind: 'Deployment',
  tags: { 'finops.apexlogic.com/cluster': 'prod-eks' },
  gitopsManaged: true,
};

function recordingOpener() {
  const requests: ScalePrRequest[] = [];
  const open = async (request: ScalePrRequest) => {
    requests.push(request);
    return { url: `https://git.local/pr/${requests.length}`, created: true };
  };
  return { requests, open };
}

describe('GitOps scaler', () => {
  it('proposes spec.replicas on a deterministic branch when scaling a Deployment down', async () => {
    // Prepare
    const { requests, open } = recordingOpener();
    const scaler = createGitopsScaler(open);
    // Act
    const effect = await scaler.scale({
      actionId: 'scale|kubernetes|x',
      endpoint: deployment,
      fromCapacity: 3,
      toCapacity: 1,
      reason: 'idle 48 h',
      evidence: { summary: 'GPUs 0.4% busy', idleHours: 48, wastedPerDay: '61.44', currency: 'USD' },
    });
    // Assess
    expect(effect).toEqual({
      via: 'gitops-pr',
      previousCapacity: 3,
      newCapacity: 1,
      pullRequestUrl: 'https://git.local/pr/1',
    });
    expect(requests[0]).toMatchObject({
      workload: { cluster: 'prod-eks', namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
      change: { field: 'replicas', from: 3, to: 1 },
      branch: 'finops/scale-down/vision/image-captioner',
    });
    expect(requests[0]?.body).toContain('| Idle cost per day | 61\\.44 USD |');
  });

  it('proposes minReplicas for a KServe InferenceService and the reverse change on restore', async () => {
    // Prepare
    const { requests, open } = recordingOpener();
    const scaler = createGitopsScaler(open);
    const isvc = {
      ...deployment,
      kind: 'InferenceService',
      name: 'sentiment',
      id: 'nlp/InferenceService/sentiment',
      namespace: 'nlp',
    };
    // Act
    await scaler.scale({
      actionId: 'a1',
      endpoint: isvc,
      fromCapacity: 1,
      toCapacity: 0,
      reason: 'r',
      evidence: { summary: 's' },
    });
    await scaler.restore({
      actionId: 'restore|a1',
      endpoint: isvc,
      scaleDown: { actionId: 'a1', previousCapacity: 1, targetCapacity: 0 } as ActionRecord,
    });
    // Assess
    expect(requests.map((r) => [r.branch, r.change])).toEqual([
      ['finops/scale-down/nlp/sentiment', { field: 'minReplicas', from: 1, to: 0 }],
      ['finops/restore/nlp/sentiment', { field: 'minReplicas', from: 0, to: 1 }],
    ]);
  });

  it('escapes hostile evidence in the PR body', async () => {
    // Prepare
    const { requests, open } = recordingOpener();
    const scaler = createGitopsScaler(open);
    // Act
    await scaler.scale({
      actionId: 'a2',
      endpoint: deployment,
      fromCapacity: 2,
      toCapacity: 1,
      reason: 'ok',
      evidence: { summary: '<img src=x onerror=alert(1)> | [click](https://evil.example)\n# heading' },
    });
    // Assess
    const body = requests[0]?.body ?? '';
    expect(body).not.toContain('<img');
    expect(body).not.toContain('](https');
    expect(body).toContain(escapeMarkdown('<img src=x onerror=alert(1)>'));
    expect(body.split('\n').filter((line) => line.startsWith('# '))).toEqual([]);
  });
});
