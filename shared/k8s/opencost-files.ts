import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { InvalidInputError } from '#shared/errors';
import type { AllocationResponse } from './ingest-kubernetes-costs';

/** `.json` files of a path (itself, or a folder's, sorted). */
export function listAllocationFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(target, name));
}

/** Reads saved OpenCost allocation responses (files or folders of `.json`); `aggregate` applies to all. */
export function readAllocationFiles(targets: readonly string[], aggregate?: string): AllocationResponse[] {
  return targets.flatMap(listAllocationFiles).map((file) => {
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new InvalidInputError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    return { source: file, body, ...(aggregate ? { aggregate } : {}) };
  });
}

/** A loopback HTTP server answering `/allocation` from saved daily responses (local runtime and tests). */
export interface OpenCostFileServer {
  url: string;
  requests: string[];
  stop(): Promise<void>;
}

function windowBounds(window: string, now: Date): { start: number; end: number } {
  const relative = /^(\d+)d$/.exec(window);
  if (relative) {
    const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    return { start: end - Number(relative[1]) * 86_400_000, end };
  }
  const [start = '', end = ''] = window.split(',');
  return { start: Date.parse(start), end: Date.parse(end) };
}

/** Options of the file server: the clock, and whether to move the saved days so the last one is yesterday. */
export interface OpenCostFileServerOptions {
  now?: () => Date;
  /** Shift every timestamp by whole days so the latest saved day becomes yesterday (demo data stays recent). */
  alignToYesterday?: boolean;
}

const DAY_MS = 86_400_000;
const TIMESTAMP_KEYS = new Set(['start', 'end']);

function shiftTimestamps(value: unknown, offsetMs: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shiftTimestamps(item, offsetMs));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      TIMESTAMP_KEYS.has(key) && typeof child === 'string' && Number.isFinite(Date.parse(child))
        ? `${new Date(Date.parse(child) + offsetMs).toISOString().slice(0, 19)}Z`
        : shiftTimestamps(child, offsetMs),
    ]),
  );
}

/**
 * Serves `GET /allocation?window=…` (and `/allocation/compute`) from the sets of saved responses
 * whose window start falls in the requested window, as OpenCost would with `step=1d`.
 */
export async function startOpenCostFileServer(
  targets: readonly string[],
  options: OpenCostFileServerOptions = {},
): Promise<OpenCostFileServer> {
  const now = options.now ?? (() => new Date());
  let sets = readAllocationFiles(targets).flatMap((response) => {
    const data =
      (response.body as { data?: Array<Record<string, { window?: { start?: string } }>> }).data ?? [];
    return data.map((set) => {
      const first = Object.values(set).find((allocation) => allocation?.window?.start);
      return { set, start: Date.parse(first?.window?.start ?? '') };
    });
  });
  const latest = Math.max(...sets.map((entry) => entry.start).filter(Number.isFinite));
  if (options.alignToYesterday && Number.isFinite(latest)) {
    const today = now();
    const yesterday = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 1);
    const offset = Math.round((yesterday - latest) / DAY_MS) * DAY_MS;
    sets = sets.map((entry) => ({
      set: shiftTimestamps(entry.set, offset) as typeof entry.set,
      start: entry.start + offset,
    }));
  }
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!/^\/allocation(\/compute)?$/.test(url.pathname)) {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"code":404,"message":"not found"}');
      return;
    }
    const { start, end } = windowBounds(url.searchParams.get('window') ?? '', now());
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"code":400,"message":"bad window"}');
      return;
    }
    const data = sets.filter((entry) => entry.start >= start && entry.start < end).map((entry) => entry.set);
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code: 200, status: 'success', data }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
