import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type RightsizingRecommended, RightsizingRecommendedEvent } from '#events/rightsizing-recommended';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { createGithubBackend, rateLimitDelayMs } from '#shared/gitops/github-backend';
import { openRightsizingPr } from '#shared/gitops/open-rightsizing-pr';
import { createDirectoryRepoReader } from '#shared/gitops/repo-reader';

const repoRoot = path.resolve(__dirname, '../../..');
const sampleRepo = path.join(repoRoot, 'samples', 'gitops');

interface Recorded {
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
}

/**
 * A loopback stand-in for the slice of the GitHub REST API the backend uses (refs, trees,
 * blobs, commits, contents, pulls), recording every request. `rateLimitOnce` makes the first
 * PR creation answer a secondary rate limit with `retry-after`.
 */
async function startFakeGithub(files: Record<string, string>, options: { rateLimitOnce?: boolean } = {}) {
  const requests: Recorded[] = [];
  const blobs = new Map<string, string>();
  const tree = Object.entries(files).map(([file, content]) => {
    const sha = createHash('sha1').update(content).digest('hex');
    blobs.set(sha, content);
    return { path: file, mode: '100644', type: 'blob', sha };
  });
  const refs = new Map<string, string>([['main', 'basecommit']]);
  const commits = new Map<string, Record<string, string>>([['basecommit', {}]]);
  const trees = new Map<string, Record<string, string>>();
  const pulls: Array<{
    number: number;
    head: string;
    title: string;
    body: string;
    state: string;
    html_url: string;
  }> = [];
  let counter = 0;
  let limited = options.rateLimitOnce ?? false;
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body = raw ? JSON.parse(raw) : undefined;
      const route = decodeURIComponent(url.pathname).replace('/repos/apexlogic/gitops', '');
      requests.push({
        method: request.method ?? '',
        path: `${route}${url.search}`,
        body,
        authorization: request.headers.authorization,
      });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
        response
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify(payload));
      const method = request.method;
      const at = (verb: string, pattern: RegExp) => (method === verb ? pattern.exec(route) : null);
      const m1 = at('GET', /^\/git\/ref\/heads\/(.+)$/);
      if (m1) {
        const sha = refs.get(m1[1] as string);
        return sha
          ? send(200, { ref: `refs/heads/${m1[1]}`, object: { sha, type: 'commit' } })
          : send(404, { message: 'Not Found' });
      }
      if (method === 'GET' && route === '/git/trees/basecommit')
        return send(200, { sha: 'basetree', tree, truncated: false });
      const m2 = at('GET', /^\/git\/blobs\/(\w+)$/);
      if (m2) {
        return send(200, {
          sha: m2[1],
          encoding: 'base64',
          content: Buffer.from(blobs.get(m2[1] as string) ?? '').toString('base64'),
        });
      }
      if (method === 'GET' && route === '/git/commits/basecommit')
        return send(200, { sha: 'basecommit', tree: { sha: 'basetree' } });
      if (method === 'POST' && route === '/git/trees') {
        const sha = `tree${++counter}`;
        trees.set(
          sha,
          Object.fromEntries(
            (body.tree as Array<{ path: string; content: string }>).map((e) => [e.path, e.content]),
          ),
        );
        return send(201, { sha });
      }
      if (method === 'POST' && route === '/git/commits') {
        const sha = `commit${++counter}`;
        commits.set(sha, trees.get(body.tree) ?? {});
        return send(201, { sha });
      }
      if (method === 'POST' && route === '/git/refs') {
        refs.set(String(body.ref).replace('refs/heads/', ''), body.sha);
        return send(201, { ref: body.ref, object: { sha: body.sha } });
      }
      const m3 = at('PATCH', /^\/git\/refs\/heads\/(.+)$/);
      if (m3) {
        refs.set(m3[1] as string, body.sha);
        return send(200, { object: { sha: body.sha } });
      }
      const m4 = at('GET', /^\/contents\/(.+)$/);
      if (m4) {
        const changed = commits.get(url.searchParams.get('ref') ?? '') ?? {};
        const content = changed[m4[1] as string] ?? files[m4[1] as string];
        return content === undefined
          ? send(404, { message: 'Not Found' })
          : send(200, { type: 'file', encoding: 'base64', content: Buffer.from(content).toString('base64') });
      }
      if (method === 'GET' && route === '/pulls') {
        const head = url.searchParams.get('head')?.replace('apexlogic:', '');
        return send(
          200,
          pulls.filter((pr) => pr.head === head && pr.state === 'open'),
        );
      }
      if (method === 'POST' && route === '/pulls') {
        if (limited) {
          limited = false;
          return send(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '2' });
        }
        const pr = {
          number: 7,
          head: body.head,
          title: body.title,
          body: body.body,
          state: 'open',
          html_url: 'https://github.example/apexlogic/gitops/pull/7',
        };
        pulls.push(pr);
        return send(201, pr);
      }
      const m5 = at('PATCH', /^\/pulls\/(\d+)$/);
      if (m5) {
        const pr = pulls.find((p) => p.number === Number(m5[1]));
        if (!pr) return send(404, { message: 'Not Found' });
        Object.assign(pr, { title: body.title, body: body.body });
        return send(200, pr);
      }
      return send(404, { message: `no fake for ${method} ${route}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    pulls,
    refs,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function sampleFiles(): Promise<Record<string, string>> {
  const reader = createDirectoryRepoReader(sampleRepo);
  const files: Record<string, string> = {};
  for (const file of await reader.listFiles())
    files[file] = readFileSync(path.join(sampleRepo, file), 'utf8');
  return files;
}

const base = RightsizingRecommendedEvent.sample as RightsizingRecommended;
const recommendation: RightsizingRecommended = {
  ...base,
  containers: base.containers.map((c) => ({
    ...c,
    recommended: { ...c.recommended, memoryRequest: '2592Mi', memoryLimit: '2592Mi' },
  })),
};

describe('GitHub backend against a loopback GitHub API', () => {
  const now = () => new Date('2026-11-26T02:05:00Z');

  it('creates tree, commit, ref and PR, honouring a secondary rate limit with retry-after', async () => {
    // Prepare
    const github = await startFakeGithub(await sampleFiles(), { rateLimitOnce: true });
    const sleeps: number[] = [];
    const published: OutgoingEvent[] = [];
    try {
      const backend = createGithubBackend({
        repository: 'apexlogic/gitops',
        token: 'test-token',
        baseUrl: github.url,
        now,
        sleep: async (ms) => void sleeps.push(ms),
      });
      // Act
      const { result, event } = await openRightsizingPr({
        recommendation,
        backend,
        publish: async (events) => void published.push(...events),
        now,
      });
      // Assess
      expect(result.action).toBe('opened');
      expect(event).toMatchObject({
        backend: 'github',
        repository: 'apexlogic/gitops',
        pullRequest: { number: 7 },
      });
      expect(sleeps).toEqual([2000]);
      const writes = github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
      expect(writes).toEqual([
        'POST /git/trees',
        'POST /git/commits',
        'POST /git/refs',
        'POST /pulls',
        'POST /pulls',
      ]);
      const treeRequest = github.requests.find((r) => r.path === '/git/trees') as Recorded;
      expect(treeRequest.body).toMatchObject({
        base_tree: 'basetree',
        tree: [{ path: 'apps/vision/image-captioner/deployment.yaml', mode: '100644', type: 'blob' }],
      });
      expect(github.requests.every((r) => r.authorization === 'token test-token')).toBe(true);
      expect(github.refs.get('finops/rightsize/vision/image-captioner')).toBe('commit2');
    } finally {
      await github.stop();
    }
  });

  it('updates the existing PR instead of opening another when the recommendation changes', async () => {
    // Prepare
    const github = await startFakeGithub(await sampleFiles());
    try {
      const backend = createGithubBackend({
        repository: 'apexlogic/gitops',
        token: 't',
        baseUrl: github.url,
        now,
      });
      const publish = async () => {};
      await openRightsizingPr({ recommendation, backend, publish, now });
      // Act
      const again = await openRightsizingPr({ recommendation, backend, publish, now });
      const changed = await openRightsizingPr({
        recommendation: {
          ...recommendation,
          containers: recommendation.containers.map((c) => ({
            ...c,
            recommended: { ...c.recommended, cpuRequest: '700m' },
          })),
        },
        backend,
        publish,
        now,
      });
      // Assess
      expect(again.result.action).toBe('unchanged');
      expect(changed.result.action).toBe('updated');
      expect(github.pulls).toHaveLength(1);
      expect(github.pulls[0]?.body).toContain('| 700m |');
      const refWrites = github.requests.filter((r) => r.path.startsWith('/git/refs')).map((r) => r.method);
      expect(refWrites).toEqual(['POST', 'PATCH']);
      const patch = github.requests.find((r) => r.method === 'PATCH' && r.path.startsWith('/git/refs'));
      expect(patch?.body).toMatchObject({ force: true });
    } finally {
      await github.stop();
    }
  });

  it.each([
    [{ status: 403, response: { headers: { 'retry-after': '3' } } }, 3000],
    [
      {
        status: 403,
        response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1000010' } },
      },
      10_000,
    ],
    [{ status: 429, response: { headers: {} } }, 60_000],
    [{ status: 403, response: { headers: {} } }, undefined],
    [{ status: 500, response: { headers: { 'retry-after': '1' } } }, undefined],
  ])('computes the wait for %j', (error, expected) => {
    expect(rateLimitDelayMs(error, 1_000_000_000)).toBe(expected);
  });
});
