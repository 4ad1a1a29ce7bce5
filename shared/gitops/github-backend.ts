import { setTimeout as delay } from 'node:timers/promises';
import { Octokit } from '@octokit/rest';
import { ConfigError, FinopsError } from '#shared/errors';
import { PIPELINE_AUTHOR } from './local-git-backend';
import type { GitopsBackend, PullRequestInfo } from './pr-opener';
import type { RepoReader } from './repo-reader';

/** GitHub kept rate-limiting or refusing a request. */
export class GithubRequestError extends FinopsError {}

/** Settings of the GitHub backend. `baseUrl` points at GitHub Enterprise or a loopback test server. */
export interface GithubBackendProps {
  /** `owner/name`. */
  repository: string;
  token: string;
  baseUrl?: string;
  baseBranch?: string;
  /** Attempts per request when GitHub answers a (secondary) rate limit. */
  maxAttempts?: number;
  /** Longest single wait honoured from `retry-after` / `x-ratelimit-reset`. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Counts requests (a paid/limited API): wire to the GithubRequests metric. */
  onRequest?: () => void;
}

interface HttpError {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined> };
}

const isNotFound = (error: unknown) => (error as HttpError).status === 404;

/**
 * How long to wait before retrying a rate-limited answer (403/429 with `retry-after`, or with
 * `x-ratelimit-remaining: 0`), per GitHub's documented secondary rate-limit guidance; undefined
 * when the error is not a rate limit.
 */
export function rateLimitDelayMs(error: unknown, nowMs: number): number | undefined {
  const { status, response } = error as HttpError;
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && Number.isFinite(Number(retryAfter)))
    return Math.max(0, Number(retryAfter) * 1000);
  if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
    return Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - nowMs);
  }
  return status === 429 ? 60_000 : undefined;
}

/** The GitHub REST backend (Octokit): git trees/commits/refs for the branch, pulls for the PR. */
export function createGithubBackend(props: GithubBackendProps): GitopsBackend {
  const [owner, repo, ...rest] = props.repository.split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new ConfigError(`GitHub repository must be "owner/name", got ${JSON.stringify(props.repository)}`);
  }
  const baseBranch = props.baseBranch ?? 'main';
  const maxAttempts = props.maxAttempts ?? 4;
  const maxWaitMs = props.maxWaitMs ?? 120_000;
  const sleep = props.sleep ?? delay;
  const now = props.now ?? (() => new Date());
  const octokit = new Octokit({
    auth: props.token,
    userAgent: 'finops-pipeline',
    // Octokit logs every non-2xx response, including the expected 404 of "does the branch exist
    // yet": errors reach the caller as exceptions, so only warnings (deprecations) are printed.
    log: { debug: () => {}, info: () => {}, warn: console.warn, error: () => {} },
    ...(props.baseUrl ? { baseUrl: props.baseUrl.replace(/\/$/, '') } : {}),
  });
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 1; ; attempt += 1) {
      props.onRequest?.();
      try {
        return await request(options);
      } catch (error) {
        const delay = rateLimitDelayMs(error, now().getTime());
        if (delay === undefined || attempt >= maxAttempts) throw error;
        if (delay > maxWaitMs) {
          throw new GithubRequestError(
            `GitHub rate limit asks to wait ${Math.ceil(delay / 1000)} s, more than allowed`,
            {
              cause: error,
            },
          );
        }
        await sleep(delay);
      }
    }
  });

  const getRefSha = async (branch: string): Promise<string | undefined> => {
    try {
      const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const readAt = async (ref: string, file: string): Promise<string | undefined> => {
    try {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path: file, ref });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const toInfo = (pr: {
    number: number;
    html_url: string;
    title: string;
    body?: string | null;
    state: string;
    merged_at?: string | null;
  }): PullRequestInfo => ({
    number: pr.number,
    url: pr.html_url,
    title: pr.title,
    body: pr.body ?? '',
    state: pr.merged_at ? 'merged' : pr.state === 'open' ? 'open' : 'closed',
  });

  return {
    kind: 'github',
    repository: props.repository,

    async readBase() {
      const baseSha = await getRefSha(baseBranch);
      if (!baseSha) throw new GithubRequestError(`${props.repository} has no branch ${baseBranch}`);
      const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: baseSha, recursive: 'true' });
      if (data.truncated)
        throw new GithubRequestError(`${props.repository} tree is too large to list in one call`);
      const files: string[] = [];
      const symlinks: string[] = [];
      const blobs = new Map<string, string>();
      for (const entry of data.tree) {
        if (!entry.path || !entry.sha) continue;
        if (entry.mode === '120000') symlinks.push(entry.path);
        else if (entry.type === 'blob') {
          files.push(entry.path);
          blobs.set(entry.path, entry.sha);
        }
      }
      const cache = new Map<string, Promise<string>>();
      const reader: RepoReader = {
        listFiles: async () => files.sort(),
        listSymlinks: async () => symlinks.sort(),
        async readFile(file) {
          const sha = blobs.get(file);
          if (!sha) return undefined;
          let text = cache.get(sha);
          if (!text) {
            text = octokit.rest.git
              .getBlob({ owner, repo, file_sha: sha })
              .then(({ data: blob }) =>
                Buffer.from(blob.content, blob.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'),
              );
            cache.set(sha, text);
          }
          return text;
        },
      };
      return { reader, baseSha };
    },

    async readBranch(branch, paths) {
      const head = await getRefSha(branch);
      if (!head) return undefined;
      const result = new Map<string, string | undefined>();
      for (const file of paths) result.set(file, await readAt(head, file));
      return result;
    },

    async writeBranch({ branch, baseSha, files, message }) {
      const { data: base } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: baseSha });
      const { data: tree } = await octokit.rest.git.createTree({
        owner,
        repo,
        base_tree: base.tree.sha,
        tree: files.map((file) => ({
          path: file.path,
          mode: '100644' as const,
          type: 'blob' as const,
          content: file.content,
        })),
      });
      const { data: commit } = await octokit.rest.git.createCommit({
        owner,
        repo,
        message,
        tree: tree.sha,
        parents: [baseSha],
        author: { ...PIPELINE_AUTHOR, date: now().toISOString() },
      });
      if (await getRefSha(branch)) {
        await octokit.rest.git.updateRef({
          owner,
          repo,
          ref: `heads/${branch}`,
          sha: commit.sha,
          force: true,
        });
      } else {
        await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.sha });
      }
      return { headSha: commit.sha };
    },

    async findPullRequest(branch) {
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        head: `${owner}:${branch}`,
        state: 'open',
        per_page: 5,
      });
      const [first] = data;
      return first ? toInfo(first) : undefined;
    },

    async createPullRequest({ branch, title, body }) {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: branch,
        base: baseBranch,
        title,
        body,
      });
      return toInfo(data);
    },

    async updatePullRequest(pr, { title, body }) {
      const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: pr.number, title, body });
      return toInfo(data);
    },
  };
}
