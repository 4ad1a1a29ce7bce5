import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FinopsError } from '#shared/errors';
import type { K8sStore, PullRequestRecord } from '#shared/store/dynamo-k8s-store';
import type { GitopsBackend, PullRequestInfo } from './pr-opener';
import type { RepoReader } from './repo-reader';

/** A git command failed; the message carries git's stderr. */
export class GitCommandError extends FinopsError {}

/** The fixed identity of the pipeline's commits. */
export const PIPELINE_AUTHOR = { name: 'finops-pipeline', email: 'finops-pipeline@apexlogic.example' };

/** Runs `git` in `cwd` (no shell), optionally feeding `input` on stdin; resolves stdout. */
export function runGit(
  cwd: string,
  args: readonly string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...args],
      {
        cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new GitCommandError(`git ${args[0]} failed in ${cwd}: ${stderr.trim() || error.message}`, {
              cause: error,
            }),
          );
        else resolve(stdout);
      },
    );
    // git may exit before reading stdin (EPIPE): its exit status is what counts.
    child.stdin?.on('error', () => {});
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}

/** Settings of the local backend; `store` keeps the PR records (number, url, body...). */
export interface LocalGitBackendProps {
  repoDir: string;
  baseBranch?: string;
  store: Pick<K8sStore, 'getPullRequest' | 'createPullRequest' | 'updatePullRequest'>;
  now: () => Date;
  author?: { name: string; email: string };
}

function gitReader(repoDir: string, revision: string): RepoReader {
  let listing: Promise<{ files: string[]; symlinks: string[] }> | undefined;
  const list = () => {
    listing ??= runGit(repoDir, ['ls-tree', '-r', '-z', '--full-tree', revision]).then((out) => {
      const files: string[] = [];
      const symlinks: string[] = [];
      for (const entry of out.split('\0')) {
        if (entry === '') continue;
        const tab = entry.indexOf('\t');
        const [mode, type] = entry.slice(0, tab).split(' ');
        const file = entry.slice(tab + 1);
        if (mode === '120000') symlinks.push(file);
        else if (type === 'blob') files.push(file);
      }
      return { files: files.sort(), symlinks: symlinks.sort() };
    });
    return listing;
  };
  return {
    listFiles: async () => (await list()).files,
    listSymlinks: async () => (await list()).symlinks,
    async readFile(repoPath) {
      if (!(await list()).files.includes(repoPath)) return undefined;
      return runGit(repoDir, ['cat-file', 'blob', `${revision}:${repoPath}`]);
    },
  };
}

const toInfo = (record: PullRequestRecord): PullRequestInfo => ({
  number: record.number,
  url: record.url,
  title: record.title,
  body: record.body,
  state: record.state,
});

/**
 * GitOps backend over a local git repository with the real git CLI. Commits are built with
 * plumbing (a temporary index, commit-tree, update-ref), so the repository's checked-out working
 * tree is never touched; the PR is a record in the store with an incrementing number and a
 * `file://` URL.
 */
export function createLocalGitBackend(props: LocalGitBackendProps): GitopsBackend {
  const repoDir = path.resolve(props.repoDir);
  const baseBranch = props.baseBranch ?? 'main';
  const author = props.author ?? PIPELINE_AUTHOR;
  const repository = repoDir;
  const identityEnv = () => {
    const date = props.now().toISOString();
    return {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    };
  };
  const revParse = async (ref: string) => {
    try {
      return (await runGit(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    } catch {
      return undefined;
    }
  };
  return {
    kind: 'local-git',
    repository,

    async readBase() {
      const baseSha = await revParse(`refs/heads/${baseBranch}`);
      if (!baseSha) throw new GitCommandError(`${repoDir} has no branch ${baseBranch}`);
      return { reader: gitReader(repoDir, baseSha), baseSha };
    },

    async readBranch(branch, paths) {
      const head = await revParse(`refs/heads/${branch}`);
      if (!head) return undefined;
      const reader = gitReader(repoDir, head);
      const result = new Map<string, string | undefined>();
      for (const file of paths) result.set(file, await reader.readFile(file));
      return result;
    },

    async writeBranch({ branch, baseSha, files, message }) {
      await runGit(repoDir, ['check-ref-format', `refs/heads/${branch}`]);
      const scratch = mkdtempSync(path.join(tmpdir(), 'finops-index-'));
      try {
        const env = { ...identityEnv(), GIT_INDEX_FILE: path.join(scratch, 'index') };
        await runGit(repoDir, ['read-tree', baseSha], { env });
        for (const file of files) {
          const blob = (
            await runGit(repoDir, ['hash-object', '-w', '--stdin'], { input: file.content })
          ).trim();
          await runGit(repoDir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file.path}`], {
            env,
          });
        }
        const tree = (await runGit(repoDir, ['write-tree'], { env })).trim();
        const commit = (
          await runGit(repoDir, ['commit-tree', tree, '-p', baseSha, '-F', '-'], { env, input: message })
        ).trim();
        await runGit(repoDir, ['update-ref', `refs/heads/${branch}`, commit]);
        return { headSha: commit };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },

    async findPullRequest(branch) {
      const record = await props.store.getPullRequest(repository, branch);
      return record && record.state === 'open' ? toInfo(record) : undefined;
    },

    async createPullRequest({ branch, title, body, headSha, recommendationId }) {
      const at = props.now().toISOString();
      const { record } = await props.store.createPullRequest(
        {
          repository,
          branch,
          state: 'open',
          title,
          body,
          headSha,
          recommendationId,
          createdAt: at,
          updatedAt: at,
        },
        (number) => `${pathToFileURL(repoDir).href}#pull/${number}`,
      );
      return toInfo(record);
    },

    async updatePullRequest(pr, { branch, title, body, headSha, recommendationId }) {
      const current = await props.store.getPullRequest(repository, branch);
      if (!current) throw new GitCommandError(`no PR record for ${branch}`);
      const record: PullRequestRecord = {
        ...current,
        title,
        body,
        recommendationId,
        headSha: headSha ?? current.headSha,
        updatedAt: props.now().toISOString(),
      };
      await props.store.updatePullRequest(record);
      return toInfo({ ...record, number: pr.number });
    },
  };
}

/**
 * Creates a local git repository at `repoDir` from a folder (the bundled sample) unless one is
 * already there: one commit on `main` by the pipeline identity. Returns true when it was created.
 */
export async function ensureLocalGitopsRepo(repoDir: string, sourceDir: string, now: Date): Promise<boolean> {
  if (existsSync(path.join(repoDir, '.git'))) return false;
  cpSync(sourceDir, repoDir, { recursive: true });
  const date = now.toISOString();
  const env = {
    GIT_AUTHOR_NAME: PIPELINE_AUTHOR.name,
    GIT_AUTHOR_EMAIL: PIPELINE_AUTHOR.email,
    GIT_COMMITTER_NAME: PIPELINE_AUTHOR.name,
    GIT_COMMITTER_EMAIL: PIPELINE_AUTHOR.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  await runGit(repoDir, ['init', '--quiet', '--initial-branch=main']);
  await runGit(repoDir, ['add', '--all']);
  await runGit(
    repoDir,
    ['-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', 'Initial GitOps repository'],
    { env },
  );
  return true;
}

/** `git diff` between the base branch and a PR branch, for display. */
export function diffBranch(repoDir: string, baseBranch: string, branch: string): Promise<string> {
  return runGit(repoDir, ['diff', `refs/heads/${baseBranch}...refs/heads/${branch}`]);
}
