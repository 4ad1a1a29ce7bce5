import { InvalidInputError } from '#shared/errors';
import type { WorkloadSpec } from '#shared/rightsizing/recommender';
import type { RepoReader } from './repo-reader';
import {
  containersPath,
  type FieldLocation,
  getPlain,
  locateWorkload,
  type ManifestWorkloadRef,
  type WorkloadLocation,
  WorkloadNotFoundError,
  workloadSpecOf,
} from './workload-locator';
import { applyScalarEdits, type ScalarEdit, type YamlPath } from './yaml-splice';

/** New requests/limits for one container (quantity text); absent fields are left alone. GPUs are never edited. */
export interface ResourcesEdit {
  type: 'resources';
  container: string;
  cpuRequest?: string;
  cpuLimit?: string;
  memoryRequest?: string;
  memoryLimit?: string;
}

/** One change to a workload's manifests: container resources, `replicas`, or the autoscaler's `minReplicas`. */
export type WorkloadEdit =
  | ResourcesEdit
  | { type: 'replicas'; replicas: number }
  | { type: 'minReplicas'; minReplicas: number };

/** A file's content before and after the edits (repo-relative path). */
export interface FileChange {
  path: string;
  before: string;
  after: string;
}

const RESOURCE_FIELDS: Record<'cpuRequest' | 'cpuLimit' | 'memoryRequest' | 'memoryLimit', YamlPath> = {
  cpuRequest: ['requests', 'cpu'],
  cpuLimit: ['limits', 'cpu'],
  memoryRequest: ['requests', 'memory'],
  memoryLimit: ['limits', 'memory'],
};

interface PlannedEdit extends FieldLocation {
  value: string | number;
  ensureItem?: { seqPath: YamlPath; name: string };
}

function containerIndex(value: Record<string, unknown>, kind: string, container: string): number {
  const list = getPlain(value, containersPath(kind));
  if (!Array.isArray(list)) return -1;
  return list.findIndex((item) => (item as { name?: unknown } | null)?.name === container);
}

function planLayered(
  location: Extract<WorkloadLocation, { layout: 'plain' | 'kustomize' }>,
  edit: WorkloadEdit,
): PlannedEdit[] {
  const { kind } = location.workload;
  const reversed = [...location.layers].reverse();
  // Kustomize: the overlay's patch is where an environment's sizing belongs; editing the base
  // would change every overlay. Plain manifests have one layer.
  const overlayPatch =
    location.layout === 'kustomize' ? reversed.find((layer) => layer.role === 'patch') : undefined;
  const overlayContainers = overlayPatch ? getPlain(overlayPatch.value, containersPath(kind)) : undefined;
  if (edit.type === 'resources' && overlayPatch && Array.isArray(overlayContainers)) {
    const existing = containerIndex(overlayPatch.value, kind, edit.container);
    const index = existing >= 0 ? existing : overlayContainers.length;
    return (Object.entries(RESOURCE_FIELDS) as Array<[keyof typeof RESOURCE_FIELDS, YamlPath]>).flatMap(
      ([key, field]) => {
        const value = edit[key];
        if (value === undefined) return [];
        const planned: PlannedEdit = {
          file: overlayPatch.file,
          docIndex: overlayPatch.docIndex,
          path: [...containersPath(kind), index, 'resources', ...field],
          value,
        };
        if (existing < 0) planned.ensureItem = { seqPath: containersPath(kind), name: edit.container };
        return [planned];
      },
    );
  }
  if (edit.type === 'resources') {
    const planned: PlannedEdit[] = [];
    const holders = reversed.filter((layer) => containerIndex(layer.value, kind, edit.container) >= 0);
    const fallback = holders[0];
    if (!fallback) {
      throw new WorkloadNotFoundError(
        `container ${JSON.stringify(edit.container)} not found in ${location.layers.map((l) => l.file).join(', ')}`,
      );
    }
    for (const [key, field] of Object.entries(RESOURCE_FIELDS) as Array<
      [keyof typeof RESOURCE_FIELDS, YamlPath]
    >) {
      const value = edit[key];
      if (value === undefined) continue;
      // The outermost layer that sets this field wins in Kustomize: edit it there (the overlay's
      // patch before the base); a field set nowhere goes into the outermost layer with the container.
      const owner =
        holders.find((layer) => {
          const index = containerIndex(layer.value, kind, edit.container);
          return getPlain(layer.value, [...containersPath(kind), index, 'resources', ...field]) !== undefined;
        }) ?? fallback;
      const index = containerIndex(owner.value, kind, edit.container);
      planned.push({
        file: owner.file,
        docIndex: owner.docIndex,
        path: [...containersPath(kind), index, 'resources', ...field],
        value,
      });
    }
    return planned;
  }
  if (edit.type === 'replicas') {
    if (location.replicasOverride) return [{ ...location.replicasOverride, value: edit.replicas }];
    const owner =
      reversed.find((layer) => getPlain(layer.value, ['spec', 'replicas']) !== undefined) ??
      location.layers[0];
    if (!owner) throw new WorkloadNotFoundError('workload has no manifest layer');
    return [{ file: owner.file, docIndex: owner.docIndex, path: ['spec', 'replicas'], value: edit.replicas }];
  }
  if (location.hpa) {
    return [
      {
        file: location.hpa.file,
        docIndex: location.hpa.docIndex,
        path: ['spec', 'minReplicas'],
        value: edit.minReplicas,
      },
    ];
  }
  if (kind === 'InferenceService') {
    const owner =
      reversed.find((layer) => getPlain(layer.value, ['spec', 'predictor', 'minReplicas']) !== undefined) ??
      location.layers[0];
    if (!owner) throw new WorkloadNotFoundError('workload has no manifest layer');
    return [
      {
        file: owner.file,
        docIndex: owner.docIndex,
        path: ['spec', 'predictor', 'minReplicas'],
        value: edit.minReplicas,
      },
    ];
  }
  throw new InvalidInputError(
    `${kind} ${location.workload.name} has no HorizontalPodAutoscaler or predictor to set minReplicas on; set replicas instead`,
  );
}

function planHelm(
  location: Extract<WorkloadLocation, { layout: 'helm' }>,
  edit: WorkloadEdit,
): PlannedEdit[] {
  const at = (path: YamlPath, value: string | number): PlannedEdit => ({
    file: location.valuesFile,
    docIndex: 0,
    path,
    value,
  });
  if (edit.type === 'resources') {
    const resourcesPath = location.containers[edit.container];
    if (!resourcesPath) {
      throw new WorkloadNotFoundError(
        `no Helm values mapping for container ${JSON.stringify(edit.container)} of ${location.workload.name}`,
      );
    }
    return (Object.entries(RESOURCE_FIELDS) as Array<[keyof typeof RESOURCE_FIELDS, YamlPath]>).flatMap(
      ([key, field]) => {
        const value = edit[key];
        return value === undefined ? [] : [at([...resourcesPath, ...field], value)];
      },
    );
  }
  if (edit.type === 'replicas') {
    if (!location.replicasPath)
      throw new InvalidInputError(`no replicas mapping for Helm workload ${location.workload.name}`);
    return [at(location.replicasPath, edit.replicas)];
  }
  if (!location.hpaPath)
    throw new InvalidInputError(`no autoscaling mapping for Helm workload ${location.workload.name}`);
  return [at([...location.hpaPath, 'minReplicas'], edit.minReplicas)];
}

/** Locates a workload and returns its effective spec, or undefined when the repository does not define it. */
export async function readWorkloadSpec(
  reader: RepoReader,
  ref: ManifestWorkloadRef,
): Promise<{ location: WorkloadLocation; spec: WorkloadSpec } | undefined> {
  const location = await locateWorkload(reader, ref);
  return location ? { location, spec: workloadSpecOf(location) } : undefined;
}

/**
 * Computes the file changes that apply `edits` to a workload: only the touched scalars change
 * (see yaml-splice), values already equal are skipped, and files whose text does not change are
 * left out. Throws WorkloadNotFoundError when the repository does not define the workload.
 */
export async function planManifestEdits(
  reader: RepoReader,
  ref: ManifestWorkloadRef,
  edits: readonly WorkloadEdit[],
): Promise<FileChange[]> {
  const location = await locateWorkload(reader, ref);
  if (!location) {
    throw new WorkloadNotFoundError(
      `${ref.namespace}/${ref.kind}/${ref.name} is not defined in the GitOps repository`,
    );
  }
  const planned = edits.flatMap((edit) =>
    location.layout === 'helm' ? planHelm(location, edit) : planLayered(location, edit),
  );
  const byFile = new Map<string, ScalarEdit[]>();
  for (const edit of planned) {
    const list = byFile.get(edit.file) ?? [];
    list.push({
      docIndex: edit.docIndex,
      path: edit.path,
      value: edit.value,
      ...(edit.ensureItem ? { ensureItem: edit.ensureItem } : {}),
    });
    byFile.set(edit.file, list);
  }
  const changes: FileChange[] = [];
  for (const [file, fileEdits] of [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const before = await reader.readFile(file);
    if (before === undefined) throw new WorkloadNotFoundError(`${file} disappeared while editing`);
    const after = applyScalarEdits(before, fileEdits, file);
    if (after !== before) changes.push({ path: file, before, after });
  }
  return changes;
}
