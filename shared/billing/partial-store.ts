import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import type { BillingFormat } from '#shared/billing/billing-formats';
import type { SerializedAggregate } from '#shared/billing/cost-aggregator';
import { parseS3Uri } from '#shared/billing/s3-object-event';
import type { IsoDay } from '#shared/cost/cost-point';
import type { RejectionSummary } from '#shared/cost/cost-store-port';
import { FinopsError, InvalidInputError } from '#shared/errors';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Version of the stored partial's JSON; a merge refuses partials of another version. */
export const PARTIAL_SCHEMA_VERSION = 1;

/** Key prefix of partials in the work bucket (the bucket's lifecycle rule expires it). */
export const PARTIALS_KEY_PREFIX = 'partials/';

/**
 * The options a partial was aggregated with (null = the format's default). A merge refuses
 * partials made with other settings: their sums would not describe the same series.
 */
export interface PartialSettings {
  costColumn: string | null;
  tagKeys: string[];
  billingPeriod: { start: IsoDay; end: IsoDay } | null;
  contributorLimit: number | null;
  maxCellsPerDay: number | null;
}

/**
 * One data file's partial aggregate, stored between the fan-out's map step and its merge step
 * (Step Functions payloads are limited to 256 KB, so partials never travel in the state).
 */
export interface BillingPartial {
  schemaVersion: typeof PARTIAL_SCHEMA_VERSION;
  /** The data file it aggregates (`s3://bucket/key`, or a local path). */
  sourceUri: string;
  format: BillingFormat;
  /** The cost column actually read (the format's default when none was configured). */
  costColumn: string;
  /** Data rows read (accepted + rejected). */
  rowsRead: number;
  /** sha256 of the data file's bytes as stored. */
  fingerprint: string;
  rejections: RejectionSummary[];
  settings: PartialSettings;
  aggregate: SerializedAggregate;
}

/** Where partials live: S3 (the work bucket) in AWS, a folder locally. */
export interface PartialStore {
  /** Writes (overwrites) the partial under `key`; returns the uri to read it back. */
  write(key: string, partial: BillingPartial): Promise<string>;
  /** Reads a partial by the uri `write` returned; MissingPartialError when it is not there. */
  read(uri: string): Promise<BillingPartial>;
}

/** A partial the merge needs is not in the store (expired, deleted, or never written). */
export class MissingPartialError extends FinopsError {}

/** Stored bytes that are not a partial this code can merge (corrupt, or another schema version). */
export class InvalidPartialError extends InvalidInputError {}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * Deterministic key of a data file's partial: `partials/<prefix hash>/<object hash>.json.gz`.
 * Re-running the same object overwrites the same key, so a retried map item is idempotent.
 */
export function partialKey(prefixUri: string, objectUri: string): string {
  return `${PARTIALS_KEY_PREFIX}${shortHash(prefixUri)}/${shortHash(objectUri)}.json.gz`;
}

const amountText = z.string().regex(/^-?\d+$/);
const partialSchema = z.object({
  schemaVersion: z.literal(PARTIAL_SCHEMA_VERSION),
  sourceUri: z.string().min(1),
  format: z.enum(['focus', 'cur2', 'cur-legacy']),
  costColumn: z.string().min(1),
  rowsRead: z.number().int().nonnegative(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  rejections: z.array(
    z.object({ reason: z.string(), count: z.number().int(), firstLines: z.array(z.number().int()) }),
  ),
  settings: z.object({
    costColumn: z.string().nullable(),
    tagKeys: z.array(z.string()),
    billingPeriod: z.object({ start: z.string(), end: z.string() }).nullable(),
    contributorLimit: z.number().int().nullable(),
    maxCellsPerDay: z.number().int().nullable(),
  }),
  aggregate: z.object({
    tagKeys: z.array(z.string()),
    // Buckets are checked for their shape, not element by element: a 1M-row file's partial holds
    // hundreds of thousands of cells, and gzip's CRC already guards the bytes.
    buckets: z.array(
      z.object({
        currency: z.string(),
        day: z.string(),
        series: z.array(z.tuple([z.number().int(), z.string(), amountText, z.number().int()])),
        cells: z.array(z.unknown()),
      }),
    ),
  }),
});

/** The stored form of a partial: gzipped JSON (amounts are integer strings, so nothing is lost). */
export async function serializePartial(partial: BillingPartial): Promise<Buffer> {
  return gzipAsync(Buffer.from(JSON.stringify(partial), 'utf8'));
}

/** Parses stored bytes back into a partial; InvalidPartialError names the uri and what is wrong. */
export async function deserializePartial(bytes: Uint8Array, uri: string): Promise<BillingPartial> {
  let json: unknown;
  try {
    json = JSON.parse((await gunzipAsync(bytes)).toString('utf8'));
  } catch (error) {
    throw new InvalidPartialError(`${uri} is not a gzipped JSON partial: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = partialSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(partial)'}: ${issue.message}`);
    throw new InvalidPartialError(
      `${uri} is not a billing partial of schema version ${PARTIAL_SCHEMA_VERSION}: ${issues.join('; ')}; re-run the fan-out to rewrite it`,
    );
  }
  return parsed.data as BillingPartial;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'NoSuchKey' ||
    e.name === 'NotFound' ||
    e.code === 'ENOENT' ||
    e.$metadata?.httpStatusCode === 404
  );
}

function missing(uri: string, cause: unknown): MissingPartialError {
  return new MissingPartialError(
    `partial ${uri} is missing (expired, deleted, or its map item never ran): re-run the fan-out for the whole prefix`,
    { cause },
  );
}

/** Partials in an S3 bucket (the work bucket), one gzipped JSON object each. */
export function createS3PartialStore(client: Pick<S3Client, 'send'>, bucket: string): PartialStore {
  return {
    async write(key, partial) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: await serializePartial(partial),
          ContentType: 'application/gzip',
        }),
      );
      return `s3://${bucket}/${key}`;
    },
    async read(uri) {
      const { bucket: at, key } = parseS3Uri(uri);
      if (at !== bucket) {
        throw new InvalidPartialError(`partial ${uri} is not in the work bucket ${bucket}`);
      }
      let bytes: Uint8Array;
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        bytes = await response.Body!.transformToByteArray();
      } catch (error) {
        if (isNotFound(error)) throw missing(uri, error);
        throw error;
      }
      return deserializePartial(bytes, uri);
    },
  };
}

/** Partials as files under a folder (the CLI and tests); written atomically (temp file + rename). */
export function createFilePartialStore(folder: string): PartialStore {
  const root = path.resolve(folder);
  return {
    async write(key, partial) {
      const file = path.resolve(root, ...key.split('/'));
      if (!file.startsWith(`${root}${path.sep}`)) {
        throw new InvalidInputError(`partial key ${JSON.stringify(key)} escapes the folder ${root}`);
      }
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, await serializePartial(partial));
      await rename(temporary, file);
      return file;
    },
    async read(uri) {
      const file = path.resolve(uri);
      if (!file.startsWith(`${root}${path.sep}`)) {
        throw new InvalidPartialError(`partial ${uri} is not under the partials folder ${root}`);
      }
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        if (isNotFound(error)) throw missing(uri, error);
        throw error;
      }
      return deserializePartial(bytes, uri);
    },
  };
}
