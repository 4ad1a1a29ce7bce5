import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planManifestEdits, readWorkloadSpec } from '#shared/gitops/manifest-patcher';
import {
  createDirectoryRepoReader,
  createMemoryRepoReader,
  PathEscapeError,
  resolveRepoPath,
} from '#shared/gitops/repo-reader';
import { applyScalarEdits } from '#shared/gitops/yaml-splice';

const repoRoot = path.resolve(__dirname, '../../..');
const sampleRepo = path.join(repoRoot, 'samples', 'gitops');
const sample = (file: string) => readFileSync(path.join(sampleRepo, file), 'utf8');

describe('applyScalarEdits', () => {
  it('changes only the scalar bytes when the value exists, keeping quotes and comments', () => {
    // Prepare
    const source = 'a: 1 # one\n---\nspec:\n  cpu: "2"   # two\n\n  mem:    8Gi\n  other: \'x\'\n';
    // Act
    const out = applyScalarEdits(
      source,
      [
        { docIndex: 1, path: ['spec', 'cpu'], value: '600m' },
        { docIndex: 1, path: ['spec', 'mem'], value: '2Gi' },
        { docIndex: 1, path: ['spec', 'other'], value: "it's" },
      ],
      'x.yaml',
    );
    // Assess
    expect(out).toBe("a: 1 # one\n---\nspec:\n  cpu: \"600m\"   # two\n\n  mem:    2Gi\n  other: 'it''s'\n");
  });

  it('inserts missing keys at the map indentation when the field does not exist', () => {
    // Prepare
    const source =
      'c:\n    - name: a\n      resources:\n        requests:\n          cpu: 1 # keep\n    - name: b\n      resources: {} # none\n';
    // Act
    const out = applyScalarEdits(
      source,
      [
        { docIndex: 0, path: ['c', 0, 'resources', 'limits', 'memory'], value: '64Mi' },
        { docIndex: 0, path: ['c', 1, 'resources', 'requests', 'cpu'], value: '1' },
      ],
      'x.yaml',
    );
    // Assess
    expect(out).toBe(
      'c:\n    - name: a\n      resources:\n        requests:\n          cpu: 1 # keep\n        limits:\n          memory: 64Mi\n    - name: b\n      resources: # none\n        requests:\n          cpu: "1"\n',
    );
  });
});

describe('planManifestEdits on the sample repository', () => {
  const reader = createDirectoryRepoReader(sampleRepo);

  it('edits only the request and limit values of the plain Deployment', async () => {
    // Prepare
    const before = sample('apps/vision/image-captioner/deployment.yaml');
    // Act
    const changes = await planManifestEdits(
      reader,
      { namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
      [
        {
          type: 'resources',
          container: 'captioner',
          cpuRequest: '560m',
          memoryRequest: '2592Mi',
          memoryLimit: '2592Mi',
        },
      ],
    );
    // Assess: the whole file equals the original with exactly these values replaced.
    expect(changes.map((c) => c.path)).toEqual(['apps/vision/image-captioner/deployment.yaml']);
    const expected = before
      .replace('cpu: "2" # launch estimate', 'cpu: "560m" # launch estimate')
      .replace(/memory: 8Gi/g, 'memory: 2592Mi');
    expect(expected).not.toBe(before);
    expect(changes[0]?.after).toBe(expected);
    expect(changes[0]?.after).toContain('# GPUs are never changed by the rightsizer');
  });

  it("edits the overlay's patch rather than the base when the overlay sets the field (Kustomize)", async () => {
    // Prepare
    const patchBefore = sample('apps/nlp/summarizer/overlays/prod/resources-patch.yaml');
    // Act
    const changes = await planManifestEdits(
      reader,
      { namespace: 'nlp', kind: 'Deployment', name: 'summarizer' },
      [
        {
          type: 'resources',
          container: 'summarizer',
          cpuRequest: '1300m',
          memoryRequest: '2944Mi',
          memoryLimit: '2944Mi',
        },
      ],
    );
    // Assess
    expect(changes.map((c) => c.path)).toEqual(['apps/nlp/summarizer/overlays/prod/resources-patch.yaml']);
    expect(changes[0]?.after).toBe(
      patchBefore
        .replace('cpu: "4" # peak season guess', 'cpu: "1300m" # peak season guess')
        .replace(/memory: 6Gi/g, 'memory: 2944Mi'),
    );
  });

  it("adds the container to the overlay's patch when only the base sizes it (Kustomize)", async () => {
    // Prepare
    const patchBefore = sample('apps/nlp/summarizer/overlays/prod/resources-patch.yaml');
    // Act
    const changes = await planManifestEdits(
      reader,
      { namespace: 'nlp', kind: 'Deployment', name: 'summarizer' },
      [
        {
          type: 'resources',
          container: 'token-cache',
          cpuRequest: '60m',
          memoryRequest: '240Mi',
          memoryLimit: '240Mi',
        },
      ],
    );
    // Assess: the base is untouched; the overlay patch gains one container entry at the end.
    expect(changes.map((c) => c.path)).toEqual(['apps/nlp/summarizer/overlays/prod/resources-patch.yaml']);
    expect(changes[0]?.after).toBe(
      `${patchBefore}        - name: token-cache\n          resources:\n            requests:\n              cpu: 60m\n              memory: 240Mi\n            limits:\n              memory: 240Mi\n`,
    );
  });

  it('reads the effective Kustomize spec: overlay patch over base, namespace and replicas from the overlay', async () => {
    // Act
    const found = await readWorkloadSpec(reader, {
      namespace: 'nlp',
      kind: 'Deployment',
      name: 'summarizer',
    });
    // Assess
    expect(found?.location.layout).toBe('kustomize');
    expect(found?.spec).toEqual({
      replicas: 2,
      containers: [
        { name: 'summarizer', cpuRequest: '4', memoryRequest: '6Gi', memoryLimit: '6Gi' },
        { name: 'token-cache', cpuRequest: '100m', memoryRequest: '256Mi' },
      ],
    });
  });

  it('sets replicas through the kustomization replicas entry when the overlay declares one', async () => {
    // Prepare
    const before = sample('apps/nlp/summarizer/overlays/prod/kustomization.yaml');
    // Act
    const changes = await planManifestEdits(
      reader,
      { namespace: 'nlp', kind: 'Deployment', name: 'summarizer' },
      [{ type: 'replicas', replicas: 0 }],
    );
    // Assess
    expect(changes).toHaveLength(1);
    expect(changes[0]?.after).toBe(before.replace('count: 2', 'count: 0'));
  });

  it('edits the Helm values file through the Chart.yaml annotation', async () => {
    // Prepare
    const before = sample('apps/platform/billing-api/values.yaml');
    // Act
    const changes = await planManifestEdits(
      reader,
      { namespace: 'platform', kind: 'Deployment', name: 'billing-api' },
      [
        {
          type: 'resources',
          container: 'api',
          cpuRequest: '1140m',
          memoryRequest: '2592Mi',
          memoryLimit: '2592Mi',
        },
        { type: 'replicas', replicas: 1 },
      ],
    );
    // Assess
    expect(changes.map((c) => c.path)).toEqual(['apps/platform/billing-api/values.yaml']);
    expect(changes[0]?.after).toBe(
      before
        .replace('cpu: 1500m', 'cpu: 1140m')
        .replace(/memory: 3Gi/g, 'memory: 2592Mi')
        .replace('replicaCount: 2', 'replicaCount: 1'),
    );
  });

  it('sets minReplicas on the HPA of a workload scaled by one', async () => {
    // Prepare
    const before = sample('apps/vision/thumbnailer/deployment.yaml');
    // Act
    const found = await readWorkloadSpec(reader, {
      namespace: 'vision',
      kind: 'Deployment',
      name: 'thumbnailer',
    });
    const changes = await planManifestEdits(
      reader,
      { namespace: 'vision', kind: 'Deployment', name: 'thumbnailer' },
      [{ type: 'minReplicas', minReplicas: 1 }],
    );
    // Assess
    expect(found?.spec.hpaResources).toEqual(['cpu']);
    expect(changes[0]?.after).toBe(before.replace('minReplicas: 2', 'minReplicas: 1'));
  });

  it('returns no change when the manifests already hold the values', async () => {
    // Act
    const changes = await planManifestEdits(
      reader,
      { namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
      [{ type: 'resources', container: 'captioner', cpuRequest: '2', memoryRequest: '8Gi' }],
    );
    // Assess
    expect(changes).toEqual([]);
  });
});

describe('path containment', () => {
  const deployment =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n';

  it.each([
    ['a parent escape', '../../../etc'],
    ['an absolute path', '/etc/passwd'],
    ['a remote URL', 'https://example.com/base'],
  ])('refuses a kustomization resource that is %s', async (_label, reference) => {
    // Prepare
    const reader = createMemoryRepoReader({
      'apps/x/kustomization.yaml': `namespace: x\nresources:\n  - ${reference}\n  - deployment.yaml\n`,
      'apps/x/deployment.yaml': deployment,
    });
    // Act + Assess
    await expect(
      readWorkloadSpec(reader, { namespace: 'x', kind: 'Deployment', name: 'app' }),
    ).rejects.toThrow(PathEscapeError);
  });

  it('refuses a Helm mapping whose values file climbs out of the repository', async () => {
    // Prepare
    const reader = createMemoryRepoReader({
      '.finops/mapping.yaml':
        'workloads:\n  - workload: x/Deployment/app\n    helmValues: ../outside/values.yaml\n    containers: { app: resources }\n',
    });
    // Act + Assess
    await expect(
      readWorkloadSpec(reader, { namespace: 'x', kind: 'Deployment', name: 'app' }),
    ).rejects.toThrow(/escapes the repository/);
  });

  it('refuses a path through a symbolic link when the link is listed', () => {
    expect(() => resolveRepoPath('apps', 'linked/values.yaml', new Set(['apps/linked']))).toThrow(
      /symbolic link/,
    );
    expect(resolveRepoPath('apps/x/overlays/prod', '../../base', new Set())).toBe('apps/x/base');
  });

  it('never follows a symbolic link out of a checked-out folder', async () => {
    // Prepare: a repo whose kustomization points into a symlinked folder that leads outside.
    const scratch = mkdtempSync(path.join(tmpdir(), 'finops-escape-'));
    try {
      const outside = path.join(scratch, 'outside');
      const repo = path.join(scratch, 'repo');
      mkdirSync(outside);
      mkdirSync(path.join(repo, 'apps', 'x'), { recursive: true });
      writeFileSync(path.join(outside, 'deployment.yaml'), deployment);
      symlinkSync(outside, path.join(repo, 'apps', 'x', 'base'));
      writeFileSync(
        path.join(repo, 'apps', 'x', 'kustomization.yaml'),
        'namespace: x\nresources:\n  - base/deployment.yaml\n',
      );
      const reader = createDirectoryRepoReader(repo);
      // Act + Assess
      await expect(reader.readFile('apps/x/base/deployment.yaml')).rejects.toThrow(PathEscapeError);
      await expect(
        readWorkloadSpec(reader, { namespace: 'x', kind: 'Deployment', name: 'app' }),
      ).rejects.toThrow(/symbolic link/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
