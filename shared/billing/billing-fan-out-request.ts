import { createHash } from 'node:crypto';

/**
 * A request to aggregate one ready billing unit in the Step Functions fan-out instead of inline:
 * `prefix` is the S3 key prefix the Distributed Map lists (the period's `data/BILLING_PERIOD=…/`
 * folder), `executionName` is deterministic so duplicate deliveries start one execution.
 */
export interface BillingFanOutRequest {
  unitId: string;
  prefix: string;
  uris: string[];
  totalBytes: number;
  executionName: string;
}

/**
 * What `start` did: `started` a new execution; `already-started` found one of that name running
 * or done (a duplicate delivery); `redriven` found it failed, aborted or timed out and restarted
 * it from where it stopped (a re-delivery after the cause was fixed).
 */
export type FanOutStart = 'started' | 'already-started' | 'redriven';

/** The fan-out port of ingest-billing: units whose data files total more than `thresholdBytes` are handed to `start`. */
export interface BillingFanOut {
  thresholdBytes: number;
  start(request: BillingFanOutRequest): Promise<FanOutStart>;
}

/** Longest execution name Step Functions accepts. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * The execution name of a unit's fan-out: a readable part of the unit id plus a SHA-256 over the
 * unit id, the unit's version (the manifest's content hash) and the sorted data files with their
 * sizes. Same delivery → same name; a restated period → another name. ≤ 80 chars, `[0-9A-Za-z_-]`.
 */
export function fanOutExecutionName(props: {
  unitId: string;
  version: string;
  files: ReadonlyArray<{ uri: string; size: number }>;
}): string {
  const files = props.files.map((f) => `${f.uri}\t${f.size}`).sort();
  const hash = createHash('sha256')
    .update(JSON.stringify({ unitId: props.unitId, version: props.version, files }))
    .digest('hex')
    .slice(0, 32);
  const readable = props.unitId
    .replace(/[^0-9A-Za-z_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_EXECUTION_NAME_LENGTH - hash.length - 1);
  return readable === '' ? hash : `${readable}-${hash}`;
}

/** The S3 key of an `s3://bucket/key` uri; other uris (local paths) unchanged. */
function keyOf(uri: string): string {
  const match = /^s3:\/\/[^/]+\/(.*)$/.exec(uri);
  return match ? match[1]! : uri;
}

/**
 * The key prefix the Distributed Map must list for a unit's data files: their common folder
 * (ending with `/`), or undefined when they are not all in one folder (the map would list more
 * than the unit) or not all in one bucket.
 */
export function dataFolderPrefix(uris: readonly string[]): string | undefined {
  if (uris.length === 0) return undefined;
  const buckets = new Set(uris.map((uri) => /^s3:\/\/([^/]+)\//.exec(uri)?.[1] ?? ''));
  if (buckets.size !== 1) return undefined;
  const folders = new Set(
    uris.map((uri) => {
      const key = keyOf(uri);
      return key.slice(0, key.lastIndexOf('/') + 1);
    }),
  );
  if (folders.size !== 1) return undefined;
  const [folder] = folders;
  return folder === '' ? undefined : folder;
}
