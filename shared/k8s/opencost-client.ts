import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, FinopsError } from '#shared/errors';
import { OpenCostResponseError } from './opencost-allocation';

/** OpenCost could not be reached or kept failing after the retries. */
export class OpenCostUnavailableError extends FinopsError {}

/** One allocation query. `window` is OpenCost syntax (`14d`, `2026-08-01T00:00:00Z,2026-08-15T00:00:00Z`). */
export interface AllocationQuery {
  window: string;
  step?: string;
  aggregate?: string;
  /** Use `/allocation/compute` instead of `/allocation`. */
  compute?: boolean;
}

/** Transport settings: timeout per attempt, attempts in all, backoff base (doubled per retry). */
export interface OpenCostClientProps {
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Fetches a parsed-JSON allocation response; throws OpenCostUnavailableError or OpenCostResponseError. */
export type FetchAllocations = (query: AllocationQuery) => Promise<unknown>;

/** Validates the OpenCost base URL: http(s) only, no credentials in it. */
export function parseOpenCostUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ConfigError(`OpenCost URL must be an absolute http(s) URL, got ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `OpenCost URL must use http or https, got ${JSON.stringify(url.protocol)} in ${JSON.stringify(text)}`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError('OpenCost URL must not carry credentials');
  }
  return url;
}

/** Builds the request URL for a query (`<base>/allocation[/compute]?window=…&step=…&aggregate=…`). */
export function allocationUrl(base: URL, query: AllocationQuery): URL {
  const url = new URL(base.href.endsWith('/') ? base.href : `${base.href}/`);
  url.pathname = `${url.pathname}${query.compute ? 'allocation/compute' : 'allocation'}`;
  url.searchParams.set('window', query.window);
  if (query.step) url.searchParams.set('step', query.step);
  if (query.aggregate) url.searchParams.set('aggregate', query.aggregate);
  url.searchParams.set('accumulate', 'false');
  return url;
}

/**
 * An OpenCost allocation API client: each attempt is bounded by an AbortSignal timeout; network
 * errors, timeouts and 5xx/429 answers are retried with exponential backoff; 4xx and bodies that
 * are not JSON fail at once.
 */
export function createOpenCostClient(props: OpenCostClientProps): FetchAllocations {
  const base = parseOpenCostUrl(props.baseUrl);
  const doFetch = props.fetch ?? fetch;
  const timeoutMs = props.timeoutMs ?? 30_000;
  const attempts = props.attempts ?? 4;
  const backoffMs = props.backoffMs ?? 500;
  const sleep = props.sleep ?? delay;
  return async (query) => {
    const url = allocationUrl(base, query);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      let response: Response;
      try {
        response = await doFetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        lastError = error;
        if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
        continue;
      }
      if (response.status >= 500 || response.status === 429) {
        lastError = new Error(`HTTP ${response.status}`);
        await response.body?.cancel();
        if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
        continue;
      }
      const text = await response.text();
      if (!response.ok) {
        throw new OpenCostResponseError(
          `OpenCost ${url.pathname} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new OpenCostResponseError(`OpenCost ${url.pathname} answered a body that is not JSON`, {
          cause: error,
        });
      }
    }
    throw new OpenCostUnavailableError(
      `OpenCost at ${base.origin} did not answer ${url.pathname} after ${attempts} attempts: ${String(lastError)}`,
      { cause: lastError },
    );
  };
}
