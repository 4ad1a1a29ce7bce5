import { FinopsError } from '#shared/errors';
import { type FileChange, planManifestEdits, type WorkloadEdit } from './manifest-patcher';
import type { RepoReader } from './repo-reader';
import type { ManifestWorkloadRef } from './workload-locator';

/** A pull request as a backend reports it. */
export interface PullRequestInfo {
  number: number;
  url: string;
  title: string;
  body: string;
  state: 'open' | 'closed' | 'merged';
}

/** The GitOps repository host: GitHub, or a local git repository (the embedded default). */
export interface GitopsBackend {
  readonly kind: 'github' | 'local-git';
  /** `owner/name` for GitHub, the folder for local git. */
  readonly repository: string;
  /** The base branch's head and a reader over its files. */
  readBase(): Promise<{ reader: RepoReader; baseSha: string }>;
  /** Contents of `paths` on `branch` (undefined per missing file), or undefined when the branch does not exist. */
  readBranch(branch: string, paths: readonly string[]): Promise<Map<string, string | undefined> | undefined>;
  /** Points `branch` (created if needed, force-moved otherwise) at one new commit on top of `baseSha`. */
  writeBranch(input: {
    branch: string;
    baseSha: string;
    files: ReadonlyArray<{ path: string; content: string }>;
    message: string;
  }): Promise<{ headSha: string }>;
  /** The open pull request whose head is `branch`, if any. */
  findPullRequest(branch: string): Promise<PullRequestInfo | undefined>;
  createPullRequest(input: {
    branch: string;
    title: string;
    body: string;
    headSha: string;
    recommendationId: string;
  }): Promise<PullRequestInfo>;
  updatePullRequest(
    pr: PullRequestInfo,
    input: { branch: string; title: string; body: string; headSha?: string; recommendationId: string },
  ): Promise<PullRequestInfo>;
}

/** Edits for one workload, as the PR opener applies them. */
export interface WorkloadEdits {
  workload: ManifestWorkloadRef;
  edits: readonly WorkloadEdit[];
}

/** What the opener did: `no-change` when the base branch already holds the values (no PR). */
export interface OpenPullRequestResult {
  action: 'opened' | 'updated' | 'unchanged' | 'no-change';
  branch: string;
  pullRequest?: PullRequestInfo;
  filesChanged: string[];
  changes: FileChange[];
}

/** The repository or PR could not be updated; the cause is the backend's error. */
export class PullRequestError extends FinopsError {}

/**
 * Git-safe branch segment: anything outside `[A-Za-z0-9._-]` becomes `-`, no `..`, no leading
 * `.`/`-`, no trailing `.lock`, at most 60 characters.
 */
export function sanitiseBranchSegment(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .replace(/(\.lock)+$/i, '')
    .replace(/[.-]+$/, '')
    .slice(0, 60);
  return cleaned === '' ? 'unnamed' : cleaned;
}

/** Deterministic branch: `<prefix>/<namespace>/<workload>`, or `<prefix>/<namespace>` when grouped per namespace. */
export function branchFor(
  workload: ManifestWorkloadRef,
  options: { prefix?: string; grouping?: 'workload' | 'namespace' } = {},
): string {
  const prefix = options.prefix ?? 'finops/rightsize';
  const namespace = sanitiseBranchSegment(workload.namespace);
  return options.grouping === 'namespace'
    ? `${prefix}/${namespace}`
    : `${prefix}/${namespace}/${sanitiseBranchSegment(workload.name)}`;
}

/** Input of `openWorkloadPullRequest`: the edits and how to describe them. */
export interface OpenWorkloadPullRequestProps {
  backend: GitopsBackend;
  targets: readonly WorkloadEdits[];
  branch: string;
  title: string;
  /** The PR body, given the file changes (so it can list them). */
  renderBody: (changes: readonly FileChange[]) => string;
  commitMessage: string;
  recommendationId: string;
}

/**
 * Opens or updates the pull request that applies `targets` to the base branch, exactly once per
 * branch: an existing PR for the branch is updated (branch force-moved to one fresh commit, body
 * edited) instead of duplicated; identical content and body leave everything as it is.
 * Generic over the edits: rightsizing sets resources, the scale-down path sets replicas.
 */
export async function openWorkloadPullRequest(
  props: OpenWorkloadPullRequestProps,
): Promise<OpenPullRequestResult> {
  const { backend, branch } = props;
  const { reader, baseSha } = await backend.readBase();
  const changes: FileChange[] = [];
  for (const target of props.targets) {
    for (const change of await planManifestEdits(reader, target.workload, target.edits)) {
      if (changes.some((existing) => existing.path === change.path)) {
        throw new PullRequestError(`two workloads of one PR edit ${change.path}; open them separately`);
      }
      changes.push(change);
    }
  }
  const filesChanged = changes.map((change) => change.path);
  const existing = await backend.findPullRequest(branch);
  if (changes.length === 0) {
    return {
      action: 'no-change',
      branch,
      filesChanged,
      changes,
      ...(existing ? { pullRequest: existing } : {}),
    };
  }
  const body = props.renderBody(changes);
  const onBranch = await backend.readBranch(branch, filesChanged);
  const branchUpToDate =
    onBranch !== undefined && changes.every((change) => onBranch.get(change.path) === change.after);
  let headSha: string | undefined;
  if (!branchUpToDate) {
    ({ headSha } = await backend.writeBranch({
      branch,
      baseSha,
      files: changes.map((change) => ({ path: change.path, content: change.after })),
      message: props.commitMessage,
    }));
  }
  if (existing) {
    if (branchUpToDate && existing.body === body && existing.title === props.title) {
      return { action: 'unchanged', branch, pullRequest: existing, filesChanged, changes };
    }
    const updated = await backend.updatePullRequest(existing, {
      branch,
      title: props.title,
      body,
      recommendationId: props.recommendationId,
      ...(headSha ? { headSha } : {}),
    });
    return { action: 'updated', branch, pullRequest: updated, filesChanged, changes };
  }
  const created = await backend.createPullRequest({
    branch,
    title: props.title,
    body,
    headSha: headSha ?? '',
    recommendationId: props.recommendationId,
  });
  return { action: 'opened', branch, pullRequest: created, filesChanged, changes };
}
