import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { createLocalGitBackend, diffBranch, ensureLocalGitopsRepo } from '#shared/gitops/local-git-backend';
import type { ActionRecord } from '#shared/scale/action-record';
import { createGitopsScalePrOpener } from '#shared/scale/gitops-pr-adapter';
import { createGitopsScaler } from '#shared/scale/gitops-scaler';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

const DEPLOYMENT = `# Sentiment model server (GPU)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sentiment-server
  namespace: nlp
  labels:
    finops.apexlogic.com/workload-type: inference # marks it for idle detection
spec:
  replicas: 3 # three GPUs
  template:
    spec:
      containers:
        - name: server
          image: "registry.example/sentiment:1.4"
          resources:
            limits: { nvidia.com/gpu: 1 }
`;
const ISVC = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: summarizer-llm
  namespace: nlp
spec:
  predictor:
    minReplicas: 1
    model:
      modelFormat: { name: huggingface }
`;

describe('GitOps scale-down through the PR machinery (real git)', () => {
  let dynamo: EmbeddedDynamo;
  let work: string;
  const NOW = new Date('2026-08-16T01:00:00.000Z');

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    work = mkdtempSync(path.join(tmpdir(), 'finops-scale-gitops-'));
    const source = path.join(work, 'source');
    mkdirSync(path.join(source, 'apps/nlp'), { recursive: true });
    writeFileSync(path.join(source, 'apps/nlp/sentiment-server.yaml'), DEPLOYMENT);
    writeFileSync(path.join(source, 'apps/nlp/summarizer-llm.yaml'), ISVC);
    await ensureLocalGitopsRepo(path.join(work, 'repo'), source, NOW);
  });
  afterAll(async () => {
    await dynamo.stop();
    rmSync(work, { recursive: true, force: true });
  });

  function scaler() {
    const backend = createLocalGitBackend({
      repoDir: path.join(work, 'repo'),
      store: createDynamoK8sStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName }),
      now: () => NOW,
    });
    return createGitopsScaler(createGitopsScalePrOpener(backend));
  }

  const endpoint = (kind: string, name: string) => ({
    platform: 'kubernetes' as const,
    id: `nlp/${kind}/${name}`,
    name,
    namespace: 'nlp',
    kind,
    tags: {},
    gitopsManaged: true,
  });

  it('opens one PR changing only spec.replicas, keeping comments, when a Deployment is idle (twice → same PR)', async () => {
    // Prepare
    const request = {
      actionId: 'scale|kubernetes|prod/nlp/Deployment/sentiment-server|2026-08-16T01:00:00.000Z',
      endpoint: endpoint('Deployment', 'sentiment-server'),
      fromCapacity: 3,
      toCapacity: 2,
      reason: 'GPUs idle',
      evidence: { summary: 'GPUs 0.2% busy over 2 days', wastedPerDay: '101.376', currency: 'USD' },
    };
    // Act
    const first = await scaler().scale(request);
    const second = await scaler().scale(request);
    // Assess
    expect(first).toMatchObject({ via: 'gitops-pr', previousCapacity: 3, newCapacity: 2 });
    expect(second.pullRequestUrl).toBe(first.pullRequestUrl);
    const diff = await diffBranch(path.join(work, 'repo'), 'main', 'finops/scale-down/nlp/sentiment-server');
    const changed = diff.split('\n').filter((line) => /^[+-][^+-]/.test(line));
    expect(changed).toEqual(['-  replicas: 3 # three GPUs', '+  replicas: 2 # three GPUs']);
  });

  it('sets predictor.minReplicas of a KServe InferenceService, and proposes no restore while the scale-down is unmerged', async () => {
    // Prepare
    const isvc = endpoint('InferenceService', 'summarizer-llm');
    // Act
    const scaled = await scaler().scale({
      actionId: 'scale|kubernetes|isvc',
      endpoint: isvc,
      fromCapacity: 1,
      toCapacity: 0,
      reason: 'idle',
      evidence: { summary: 'idle' },
    });
    const restoring = scaler().restore({
      actionId: 'restore|scale|kubernetes|isvc',
      endpoint: isvc,
      scaleDown: {
        actionId: 'scale|kubernetes|isvc',
        previousCapacity: 1,
        targetCapacity: 0,
      } as ActionRecord,
    });
    // Assess
    const repo = path.join(work, 'repo');
    const down = await diffBranch(repo, 'main', 'finops/scale-down/nlp/summarizer-llm');
    expect(down.split('\n').filter((line) => /^[+-][^+-]/.test(line))).toEqual([
      '-    minReplicas: 1',
      '+    minReplicas: 0',
    ]);
    expect(scaled.pullRequestUrl).toBeDefined();
    // The base still says 1 (the scale-down PR is not merged): the restore has nothing to propose.
    await expect(restoring).rejects.toThrow(/already sets minReplicas=1.*nothing to propose/);
  });
});
