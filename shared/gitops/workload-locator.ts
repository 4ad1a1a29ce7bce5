import path from 'node:path';
import type { Document } from 'yaml';
import { InvalidInputError } from '#shared/errors';
import type { ContainerSpec, WorkloadSpec } from '#shared/rightsizing/recommender';
import { type RepoReader, resolveRepoPath } from './repo-reader';
import { ManifestEditError, parseDocuments, type YamlPath } from './yaml-splice';

/** The mapping file a repository may carry to point at Helm values (see docs/rightsizing.md). */
export const MAPPING_FILE = '.finops/mapping.yaml';
/** Chart.yaml annotations naming the workload a chart renders and where its resources live in values. */
export const HelmAnnotation = {
  workload: 'finops.apexlogic.com/workload',
  values: 'finops.apexlogic.com/helm-values',
  container: 'finops.apexlogic.com/container',
  replicas: 'finops.apexlogic.com/helm-replicas',
  hpa: 'finops.apexlogic.com/helm-hpa',
} as const;

/** A workload as the GitOps repository names it. */
export interface ManifestWorkloadRef {
  namespace: string;
  kind: string;
  name: string;
}

/** A YAML document in the repo (file + index in a multi-document file) and its plain value. */
export interface DocLocation {
  file: string;
  docIndex: number;
  value: Record<string, unknown>;
}

/** Where a scalar lives: a document and a path inside it. */
export interface FieldLocation {
  file: string;
  docIndex: number;
  path: YamlPath;
}

/** Everything the patcher needs to edit a workload, whatever the repository layout. */
export type WorkloadLocation =
  | {
      layout: 'plain' | 'kustomize';
      workload: ManifestWorkloadRef;
      /** Base document first, then patches from the innermost to the outermost (the overlay's). */
      layers: Array<DocLocation & { role: 'base' | 'patch' }>;
      /** A kustomization `replicas:` entry that overrides spec.replicas. */
      replicasOverride?: FieldLocation & { count: number };
      hpa?: DocLocation;
    }
  | {
      layout: 'helm';
      workload: ManifestWorkloadRef;
      valuesFile: string;
      values: Record<string, unknown>;
      /** Container name → path of its `resources` map in the values file. */
      containers: Record<string, YamlPath>;
      replicasPath?: YamlPath;
      hpaPath?: YamlPath;
    };

/** The repository has no (or an ambiguous) definition of the workload. */
export class WorkloadNotFoundError extends InvalidInputError {}

const isYaml = (file: string) => /\.ya?ml$/i.test(file);
const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Splits `a.b[0].c` (or `a.b.0.c`) into a YamlPath. */
export function parseDottedPath(text: string): YamlPath {
  if (text.trim() === '') throw new InvalidInputError('empty YAML path');
  return text
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((part) => part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

interface LoadedRepo {
  reader: RepoReader;
  files: string[];
  fileSet: Set<string>;
  symlinks: Set<string>;
  docs: Map<string, Document[]>;
}

async function loadRepo(reader: RepoReader): Promise<LoadedRepo> {
  const [files, symlinks] = await Promise.all([reader.listFiles(), reader.listSymlinks()]);
  return { reader, files, fileSet: new Set(files), symlinks: new Set(symlinks), docs: new Map() };
}

async function docsOf(repo: LoadedRepo, file: string): Promise<Document[]> {
  const cached = repo.docs.get(file);
  if (cached) return cached;
  const text = await repo.reader.readFile(file);
  const docs = text === undefined ? [] : parseDocuments(text, file);
  repo.docs.set(file, docs);
  return docs;
}

/** Files scanned for workloads/HPAs: Helm templates are not YAML, and unparseable files are skipped. */
async function scanDocs(repo: LoadedRepo, file: string): Promise<Document[]> {
  const parts = file.split('/');
  const templatesAt = parts.indexOf('templates');
  if (templatesAt > 0 && repo.fileSet.has([...parts.slice(0, templatesAt), 'Chart.yaml'].join('/')))
    return [];
  try {
    return await docsOf(repo, file);
  } catch (error) {
    if (error instanceof ManifestEditError) return [];
    throw error;
  }
}

const plain = (doc: Document): Record<string, unknown> => asRecord(doc.toJS({ maxAliasCount: 100 }));

function matches(value: Record<string, unknown>, ref: ManifestWorkloadRef): boolean {
  return value.kind === ref.kind && asRecord(value.metadata).name === ref.name;
}

interface KustomizeWalk {
  base?: DocLocation & { namespace?: string };
  patches: DocLocation[];
  replicas?: FieldLocation & { count: number };
  namespace?: string;
}

function kustomizationIn(repo: LoadedRepo, dir: string): string | undefined {
  return KUSTOMIZATION_NAMES.map((name) => (dir === '' ? name : `${dir}/${name}`)).find((file) =>
    repo.fileSet.has(file),
  );
}

async function walkKustomization(
  repo: LoadedRepo,
  file: string,
  ref: ManifestWorkloadRef,
  outerNamespace: string | undefined,
  seen: Set<string>,
): Promise<KustomizeWalk> {
  if (seen.has(file)) throw new InvalidInputError(`kustomization cycle through ${file}`);
  seen.add(file);
  const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
  const [doc] = await docsOf(repo, file);
  const k = doc ? plain(doc) : {};
  const namespace = outerNamespace ?? (typeof k.namespace === 'string' ? k.namespace : undefined);
  const result: KustomizeWalk = { patches: [], namespace };
  for (const entry of [...asArray(k.resources), ...asArray(k.bases)]) {
    if (typeof entry !== 'string') continue;
    const target = resolveRepoPath(dir, entry, repo.symlinks);
    const nested = kustomizationIn(repo, target);
    if (nested && !repo.fileSet.has(target)) {
      const inner = await walkKustomization(repo, nested, ref, namespace, seen);
      if (inner.base && !result.base) result.base = inner.base;
      result.patches.push(...inner.patches);
      if (inner.replicas) result.replicas = inner.replicas;
    } else if (repo.fileSet.has(target) && isYaml(target)) {
      const docs = await docsOf(repo, target);
      docs.forEach((candidate, docIndex) => {
        const value = plain(candidate);
        if (!result.base && matches(value, ref)) {
          const own = asRecord(value.metadata).namespace;
          result.base = {
            file: target,
            docIndex,
            value,
            namespace: namespace ?? (typeof own === 'string' ? own : undefined),
          };
        }
      });
    }
  }
  const patchFiles: string[] = [];
  for (const entry of asArray(k.patchesStrategicMerge)) if (typeof entry === 'string') patchFiles.push(entry);
  for (const entry of asArray(k.patches)) {
    const patchPath = asRecord(entry).path;
    if (typeof patchPath === 'string') patchFiles.push(patchPath);
  }
  for (const entry of patchFiles) {
    const target = resolveRepoPath(dir, entry, repo.symlinks);
    if (!repo.fileSet.has(target)) continue;
    const docs = await docsOf(repo, target);
    docs.forEach((candidate, docIndex) => {
      const value = plain(candidate);
      if (matches(value, ref)) result.patches.push({ file: target, docIndex, value });
    });
  }
  asArray(k.replicas).forEach((entry, index) => {
    const record = asRecord(entry);
    if (record.name === ref.name && typeof record.count === 'number') {
      result.replicas = { file, docIndex: 0, path: ['replicas', index, 'count'], count: record.count };
    }
  });
  return result;
}

async function findHpa(repo: LoadedRepo, ref: ManifestWorkloadRef): Promise<DocLocation | undefined> {
  for (const file of repo.files.filter(isYaml)) {
    const docs = await scanDocs(repo, file);
    for (const [docIndex, doc] of docs.entries()) {
      const value = plain(doc);
      if (value.kind !== 'HorizontalPodAutoscaler') continue;
      const target = asRecord(asRecord(value.spec).scaleTargetRef);
      const namespace = asRecord(value.metadata).namespace;
      if (
        target.name === ref.name &&
        target.kind === ref.kind &&
        (namespace === undefined || namespace === ref.namespace)
      ) {
        return { file, docIndex, value };
      }
    }
  }
  return undefined;
}

async function findHelm(repo: LoadedRepo, ref: ManifestWorkloadRef): Promise<WorkloadLocation | undefined> {
  const wanted = `${ref.namespace}/${ref.kind}/${ref.name}`;
  const helm = async (
    fromDir: string,
    valuesFile: string,
    containers: Record<string, string>,
    replicas?: string,
    hpa?: string,
  ): Promise<WorkloadLocation> => {
    const file = resolveRepoPath(fromDir, valuesFile, repo.symlinks);
    if (!repo.fileSet.has(file))
      throw new WorkloadNotFoundError(`Helm values file ${file} for ${wanted} does not exist`);
    const [doc] = await docsOf(repo, file);
    const location: WorkloadLocation = {
      layout: 'helm',
      workload: ref,
      valuesFile: file,
      values: doc ? plain(doc) : {},
      containers: Object.fromEntries(
        Object.entries(containers).map(([name, p]) => [name, parseDottedPath(p)]),
      ),
    };
    if (replicas) location.replicasPath = parseDottedPath(replicas);
    if (hpa) location.hpaPath = parseDottedPath(hpa);
    return location;
  };
  if (repo.fileSet.has(MAPPING_FILE)) {
    const [doc] = await docsOf(repo, MAPPING_FILE);
    for (const entry of asArray(doc ? plain(doc).workloads : undefined)) {
      const record = asRecord(entry);
      if (record.workload !== wanted || typeof record.helmValues !== 'string') continue;
      const containers = Object.fromEntries(
        Object.entries(asRecord(record.containers)).filter(
          (pair): pair is [string, string] => typeof pair[1] === 'string',
        ),
      );
      return helm(
        '',
        record.helmValues,
        containers,
        typeof record.replicas === 'string' ? record.replicas : undefined,
        typeof record.hpa === 'string' ? record.hpa : undefined,
      );
    }
  }
  for (const chart of repo.files.filter((file) => path.posix.basename(file) === 'Chart.yaml')) {
    const [doc] = await docsOf(repo, chart);
    const annotations = asRecord(asRecord(doc ? plain(doc) : {}).annotations);
    if (annotations[HelmAnnotation.workload] !== wanted) continue;
    const values = annotations[HelmAnnotation.values];
    if (typeof values !== 'string' || !values.includes('#')) {
      throw new InvalidInputError(
        `${chart}: ${HelmAnnotation.values} must be "<values file>#<path.to.resources>"`,
      );
    }
    const [file = '', resourcesPath = ''] = values.split('#');
    const container = annotations[HelmAnnotation.container];
    const hashPath = (annotation: unknown) =>
      typeof annotation === 'string' && annotation.includes('#') ? annotation.split('#')[1] : undefined;
    const dir = path.posix.dirname(chart) === '.' ? '' : path.posix.dirname(chart);
    return helm(
      dir,
      file,
      { [typeof container === 'string' ? container : ref.name]: resourcesPath },
      hashPath(annotations[HelmAnnotation.replicas]),
      hashPath(annotations[HelmAnnotation.hpa]),
    );
  }
  return undefined;
}

/**
 * Finds a workload in the repository: an explicit Helm mapping (mapping file or Chart.yaml
 * annotation) first, then Kustomize roots (the overlay whose namespace matches), then plain
 * manifests. Every referenced path is resolved inside the repository (PathEscapeError otherwise).
 */
export async function locateWorkload(
  reader: RepoReader,
  ref: ManifestWorkloadRef,
): Promise<WorkloadLocation | undefined> {
  const repo = await loadRepo(reader);
  const helm = await findHelm(repo, ref);
  if (helm) return helm;

  const kustomizations = repo.files.filter((file) => KUSTOMIZATION_NAMES.includes(path.posix.basename(file)));
  const referenced = new Set<string>();
  for (const file of kustomizations) {
    const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
    const [doc] = await docsOf(repo, file);
    for (const entry of [
      ...asArray(doc ? plain(doc).resources : undefined),
      ...asArray(doc ? plain(doc).bases : undefined),
    ]) {
      if (typeof entry !== 'string') continue;
      const nested = kustomizationIn(repo, resolveRepoPath(dir, entry, repo.symlinks));
      if (nested) referenced.add(nested);
    }
  }
  for (const root of kustomizations.filter((file) => !referenced.has(file)).sort()) {
    const walk = await walkKustomization(repo, root, ref, undefined, new Set());
    if (!walk.base || walk.base.namespace !== ref.namespace) continue;
    const { namespace: _ignored, ...base } = walk.base;
    const location: WorkloadLocation = {
      layout: 'kustomize',
      workload: ref,
      layers: [
        { ...base, role: 'base' },
        ...walk.patches.map((patch) => ({ ...patch, role: 'patch' as const })),
      ],
    };
    if (walk.replicas) location.replicasOverride = walk.replicas;
    const hpa = await findHpa(repo, ref);
    if (hpa) location.hpa = hpa;
    return location;
  }

  const candidates: DocLocation[] = [];
  const unnamespaced: DocLocation[] = [];
  for (const file of repo.files.filter(
    (f) => isYaml(f) && !KUSTOMIZATION_NAMES.includes(path.posix.basename(f)),
  )) {
    const docs = await scanDocs(repo, file);
    docs.forEach((doc, docIndex) => {
      const value = plain(doc);
      if (!matches(value, ref)) return;
      const namespace = asRecord(value.metadata).namespace;
      if (namespace === ref.namespace) candidates.push({ file, docIndex, value });
      else if (namespace === undefined) unnamespaced.push({ file, docIndex, value });
    });
  }
  const chosen = candidates.length > 0 ? candidates : unnamespaced.length === 1 ? unnamespaced : [];
  if (chosen.length > 1) {
    throw new WorkloadNotFoundError(
      `${ref.namespace}/${ref.kind}/${ref.name} is defined ${chosen.length} times: ${chosen.map((c) => c.file).join(', ')}`,
    );
  }
  const [found] = chosen;
  if (!found) return undefined;
  const location: WorkloadLocation = { layout: 'plain', workload: ref, layers: [{ ...found, role: 'base' }] };
  const hpa = await findHpa(repo, ref);
  if (hpa) location.hpa = hpa;
  return location;
}

/** Path of the pod template's containers for a workload kind. */
export function containersPath(kind: string): YamlPath {
  if (kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers'];
  if (kind === 'Pod') return ['spec', 'containers'];
  if (kind === 'InferenceService') return ['spec', 'predictor', 'containers'];
  return ['spec', 'template', 'spec', 'containers'];
}

function quantityText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function containerFromResources(name: string, resources: Record<string, unknown>): ContainerSpec {
  const requests = asRecord(resources.requests);
  const limits = asRecord(resources.limits);
  const spec: ContainerSpec = { name };
  const set = (key: keyof Omit<ContainerSpec, 'name' | 'gpu'>, value: unknown) => {
    const text = quantityText(value);
    if (text !== undefined) spec[key] = text;
  };
  set('cpuRequest', requests.cpu);
  set('cpuLimit', limits.cpu);
  set('memoryRequest', requests.memory);
  set('memoryLimit', limits.memory);
  const gpu = limits['nvidia.com/gpu'] ?? requests['nvidia.com/gpu'];
  if (gpu !== undefined) spec.gpu = Number(gpu);
  return spec;
}

function hpaResources(hpa: Record<string, unknown>): string[] {
  const spec = asRecord(hpa.spec);
  const resources = new Set<string>();
  if (spec.targetCPUUtilizationPercentage !== undefined) resources.add('cpu');
  for (const metric of asArray(spec.metrics)) {
    const resource = asRecord(asRecord(metric).resource);
    if (typeof resource.name === 'string') resources.add(resource.name);
    const containerResource = asRecord(asRecord(metric).containerResource);
    if (typeof containerResource.name === 'string') resources.add(containerResource.name);
  }
  return [...resources];
}

/** The effective replicas, containers' resources and HPA-scaled resources of a located workload. */
export function workloadSpecOf(location: WorkloadLocation): WorkloadSpec {
  if (location.layout === 'helm') {
    const containers = Object.entries(location.containers).map(([name, resourcesPath]) =>
      containerFromResources(name, asRecord(getPlain(location.values, resourcesPath))),
    );
    const spec: WorkloadSpec = { containers };
    const replicas = location.replicasPath ? getPlain(location.values, location.replicasPath) : undefined;
    if (typeof replicas === 'number') spec.replicas = replicas;
    if (location.hpaPath) {
      const hpa = asRecord(getPlain(location.values, location.hpaPath));
      if (hpa.enabled === true) {
        const resources: string[] = [];
        if (hpa.targetCPUUtilizationPercentage !== undefined) resources.push('cpu');
        if (hpa.targetMemoryUtilizationPercentage !== undefined) resources.push('memory');
        spec.hpaResources = resources;
      }
    }
    return spec;
  }
  const merged = new Map<string, Record<string, unknown>>();
  let replicas: number | undefined;
  for (const layer of location.layers) {
    const value = getPlain(layer.value, containersPath(location.workload.kind));
    for (const container of asArray(value)) {
      const record = asRecord(container);
      if (typeof record.name !== 'string') continue;
      const current = merged.get(record.name) ?? {};
      const resources = asRecord(record.resources);
      const previous = asRecord(current.resources);
      current.resources = {
        requests: { ...asRecord(previous.requests), ...asRecord(resources.requests) },
        limits: { ...asRecord(previous.limits), ...asRecord(resources.limits) },
      };
      merged.set(record.name, current);
    }
    const layerReplicas = asRecord(layer.value.spec).replicas;
    if (typeof layerReplicas === 'number') replicas = layerReplicas;
  }
  if (location.replicasOverride) replicas = location.replicasOverride.count;
  const spec: WorkloadSpec = {
    containers: [...merged.entries()].map(([name, value]) =>
      containerFromResources(name, asRecord(value.resources)),
    ),
  };
  if (replicas !== undefined) spec.replicas = replicas;
  if (location.hpa) {
    spec.hpaResources = hpaResources(location.hpa.value);
    const minReplicas = asRecord(location.hpa.value.spec).minReplicas;
    if (typeof minReplicas === 'number' && spec.replicas === undefined) spec.replicas = minReplicas;
  }
  return spec;
}

/** The plain value at `path` of a plain JS value. */
export function getPlain(value: unknown, at: YamlPath): unknown {
  let current = value;
  for (const segment of at) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (current !== null && typeof current === 'object')
      current = (current as Record<string, unknown>)[String(segment)];
    else return undefined;
  }
  return current;
}
