import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RightsizingRecommended, RightsizingRecommendedEvent } from '#events/rightsizing-recommended';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { createLocalGitBackend, ensureLocalGitopsRepo, runGit } from '#shared/gitops/local-git-backend';
import { openRightsizingPr } from '#shared/gitops/open-rightsizing-pr';
import { openWorkloadPullRequest } from '#shared/gitops/pr-opener';
import { createDynamoK8sStore, type K8sStore } from '#shared/store/dynamo-k8s-store';

const repoRoot = path.resolve(__dirname, '../../..');
const sampleRepo = path.join(repoRoot, 'samples', 'gitops');
const base = RightsizingRecommendedEvent.sample as RightsizingRecommended;

function captioner(cpu: string): RightsizingRecommended {
  return {
    ...base,
    recommendationId: `demo/vision/Deployment/image-captioner/rightsize-1/${cpu}`,
    workload: { cluster: 'demo', namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
    containers: base.containers.map((c) => ({
      ...c,
      recommended: { ...c.recommended, cpuRequest: cpu, memoryRequest: '2592Mi', memoryLimit: '2592Mi' },
    })),
  };
}

describe('rightsizing pull requests in a real local git repository', () => {
  let scratch: string;
  let repoDir: string;
  let dynamo: EmbeddedDynamo;
  let store: K8sStore;
  let published: OutgoingEvent[];
  const now = () => new Date('2026-11-26T02:05:00Z');
  const publish = async (events: readonly OutgoingEvent[]) => void published.push(...events);
  const git = (...args: string[]) => runGit(repoDir, args).then((out) => out.trim());

  beforeEach(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'finops-gitops-'));
    repoDir = path.join(scratch, 'gitops');
    await ensureLocalGitopsRepo(repoDir, sampleRepo, now());
    dynamo = await startEmbeddedDynamo();
    store = createDynamoK8sStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName });
    published = [];
  });
  afterEach(async () => {
    await dynamo.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('opens one branch and one PR, then reports unchanged and updates in place when run again', async () => {
    // Prepare
    const backend = createLocalGitBackend({ repoDir, store, now });
    const mainBefore = await git('rev-parse', 'main');
    // Act
    const first = await openRightsizingPr({ recommendation: captioner('560m'), backend, publish, now });
    const headAfterFirst = await git('rev-parse', 'refs/heads/finops/rightsize/vision/image-captioner');
    const second = await openRightsizingPr({ recommendation: captioner('560m'), backend, publish, now });
    const third = await openRightsizingPr({ recommendation: captioner('600m'), backend, publish, now });
    // Assess
    expect(first.result).toMatchObject({
      action: 'opened',
      branch: 'finops/rightsize/vision/image-captioner',
    });
    expect(first.result.pullRequest).toMatchObject({ number: 1, state: 'open' });
    expect(first.result.pullRequest?.url).toMatch(/^file:\/\/.*#pull\/1$/);
    expect(second.result.action).toBe('unchanged');
    expect(await git('rev-parse', 'refs/heads/finops/rightsize/vision/image-captioner')).not.toBe('');
    expect(third.result).toMatchObject({ action: 'updated', pullRequest: { number: 1 } });
    expect(third.result.pullRequest?.body).toContain('| 600m |');
    // One branch, one commit on top of main (force-moved), main and the working tree untouched.
    expect((await git('branch', '--list', 'finops/*')).split('\n')).toHaveLength(1);
    expect(await git('rev-list', '--count', 'main..finops/rightsize/vision/image-captioner')).toBe('1');
    expect(await git('rev-parse', 'refs/heads/finops/rightsize/vision/image-captioner')).not.toBe(
      headAfterFirst,
    );
    expect(await git('rev-parse', 'main')).toBe(mainBefore);
    expect(await git('status', '--porcelain')).toBe('');
    expect(await git('log', '-1', '--format=%an <%ae>', 'finops/rightsize/vision/image-captioner')).toBe(
      'finops-pipeline <finops-pipeline@apexlogic.example>',
    );
    expect((await store.listPullRequests(repoDir)).map((pr) => pr.number)).toEqual([1]);
    expect(published.map((e) => (e.detail as { action: string }).action)).toEqual(['opened', 'updated']);
  });

  it('commits only the changed values when the PR is opened', async () => {
    // Prepare
    const backend = createLocalGitBackend({ repoDir, store, now });
    // Act
    await openRightsizingPr({ recommendation: captioner('560m'), backend, publish, now });
    const diff = await git('diff', '--unified=0', 'main', 'finops/rightsize/vision/image-captioner');
    // Assess
    const changed = diff.split('\n').filter((line) => /^[-+][^-+]/.test(line));
    expect(changed).toEqual([
      '-              cpu: "2" # launch estimate',
      '-              memory: 8Gi',
      '+              cpu: "560m" # launch estimate',
      '+              memory: 2592Mi',
      '-              memory: 8Gi',
      '+              memory: 2592Mi',
    ]);
  });

  it('groups the workloads of a namespace in one PR when grouping is per namespace', async () => {
    // Prepare
    const backend = createLocalGitBackend({ repoDir, store, now });
    const thumbnailer: RightsizingRecommended = {
      ...base,
      recommendationId: 'demo/vision/Deployment/thumbnailer/rightsize-1/abc',
      workload: { cluster: 'demo', namespace: 'vision', kind: 'Deployment', name: 'thumbnailer' },
      containers: [
        {
          ...(base.containers[0] as RightsizingRecommended['containers'][number]),
          container: 'thumbnailer',
          current: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '1Gi' },
          recommended: { cpuRequest: '500m', memoryRequest: '704Mi', memoryLimit: '704Mi' },
        },
      ],
    };
    await store.putRecommendation(thumbnailer);
    await store.putRecommendation(captioner('560m'));
    // Act
    const { result, event } = await openRightsizingPr({
      recommendation: captioner('560m'),
      backend,
      grouping: 'namespace',
      k8sStore: store,
      publish,
      now,
    });
    // Assess
    expect(result.branch).toBe('finops/rightsize/vision');
    expect(result.filesChanged.sort()).toEqual([
      'apps/vision/image-captioner/deployment.yaml',
      'apps/vision/thumbnailer/deployment.yaml',
    ]);
    expect(event?.monthlySavings).toBe('284.70');
  });

  it('opens a replicas PR with a caller-supplied body for the scale-down path', async () => {
    // Prepare
    const backend = createLocalGitBackend({ repoDir, store, now });
    // Act
    const result = await openWorkloadPullRequest({
      backend,
      targets: [
        {
          workload: { namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
          edits: [{ type: 'replicas', replicas: 1 }],
        },
      ],
      branch: 'finops/scale-down/vision/image-captioner',
      title: 'Scale image-captioner to 1',
      renderBody: (changes) => `scale down (${changes.length} file)`,
      commitMessage: 'Scale image-captioner to 1',
      recommendationId: 'action-1',
    });
    // Assess
    expect(result).toMatchObject({
      action: 'opened',
      pullRequest: { number: 1, body: 'scale down (1 file)' },
    });
    const diff = await git('diff', '--unified=0', 'main', 'finops/scale-down/vision/image-captioner');
    expect(diff).toContain(
      '-  replicas: 3 # one per availability zone\n+  replicas: 1 # one per availability zone',
    );
  });
});
