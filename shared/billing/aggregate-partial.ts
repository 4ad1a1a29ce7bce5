import type { BillingObjects } from '#shared/billing/billing-objects';
import { type ExportManifest, parseExportManifest } from '#shared/billing/export-manifest';
import type { PartialReference } from '#shared/billing/fan-out-payloads';
import {
  aggregateBillingSources,
  type IngestBillingOptions,
  tagKeysOf,
} from '#shared/billing/ingest-billing';
import {
  type BillingPartial,
  PARTIAL_SCHEMA_VERSION,
  type PartialStore,
  partialKey,
} from '#shared/billing/partial-store';
import { InvalidInputError } from '#shared/errors';

/**
 * An object the fan-out cannot aggregate on its own: not a data file of a Data Exports period,
 * or its period's manifest has not arrived. The fan-out replaces a whole period, so it needs
 * the manifest (billing period, file list).
 */
export class NotAnExportPeriodError extends InvalidInputError {}

const NOT_IN_LAYOUT =
  'not a data file of a Data Exports period (<export>/data/BILLING_PERIOD=…/<file>): the fan-out replaces whole periods; ingest loose files with ingest-billing';

/** The billing period's manifest of a data file, or a clear error when there is none (yet). */
export async function manifestOfDataFile(
  objectUri: string,
  objects: BillingObjects,
): Promise<{ manifestUri: string; manifest: ExportManifest }> {
  const manifestUri = objects.manifestFor(objectUri);
  if (manifestUri === undefined) {
    throw new NotAnExportPeriodError(`${objectUri} is ${NOT_IN_LAYOUT}`);
  }
  if (!(await objects.exists(manifestUri))) {
    throw new NotAnExportPeriodError(
      `the manifest ${manifestUri} of ${objectUri} has not arrived: start the fan-out once the period's manifest is delivered`,
    );
  }
  return { manifestUri, manifest: parseExportManifest(await objects.readText(manifestUri), manifestUri) };
}

/** True when a manifest lists the object (listed keys are bucket-relative; compared by path tail). */
export function manifestListsObject(manifest: ExportManifest, objectUri: string): boolean {
  const objectParts = objectUri.split(/[\\/]/);
  return manifest.dataFiles.some((listed) => {
    const parts = listed
      .replace(/^s3:\/\/[^/]+\//, '')
      .split('/')
      .filter((p) => p !== '');
    if (parts.length === 0 || parts.length > objectParts.length) return false;
    const tail = objectParts.slice(objectParts.length - parts.length);
    return parts.every((part, i) => part === tail[i]);
  });
}

/**
 * One map item of the billing fan-out: aggregates one data file of a period (with the period's
 * bounds from its manifest, as a direct ingest would) and stores the partial under a key derived
 * from the prefix and the object, so a retry overwrites the same partial. Returns a small
 * reference. Folder markers, objects outside the Data Exports layout and files the manifest does
 * not list are skipped, not read.
 */
export async function aggregateBillingPartial(input: {
  /** The execution's prefix as a uri (`s3://bucket/prefix`): partials of one run share a folder. */
  prefixUri: string;
  objectUri: string;
  /** The object's key as listed (echoed in the reference). */
  key: string;
  objects: BillingObjects;
  partials: PartialStore;
  options?: IngestBillingOptions;
}): Promise<PartialReference> {
  const { objectUri, key, objects } = input;
  const options = input.options ?? {};
  if (key.endsWith('/')) {
    return { status: 'skipped', key, sourceUri: objectUri, reason: 'folder marker, not a data file' };
  }
  // A prefix may hold stray objects (a subfolder of an older delivery): skipped here; the merge
  // still fails when a file the manifest lists has no partial.
  if (objects.manifestFor(objectUri) === undefined) {
    return { status: 'skipped', key, sourceUri: objectUri, reason: NOT_IN_LAYOUT };
  }
  const { manifestUri, manifest } = await manifestOfDataFile(objectUri, objects);
  if (!manifestListsObject(manifest, objectUri)) {
    return {
      status: 'skipped',
      key,
      sourceUri: objectUri,
      reason: `not listed in the manifest ${manifestUri}`,
    };
  }
  const aggregate = await aggregateBillingSources([objects.source(objectUri)], {
    ...options,
    billingPeriod: manifest.period,
  });
  const read = aggregate.sources[0]!;
  const partial: BillingPartial = {
    schemaVersion: PARTIAL_SCHEMA_VERSION,
    sourceUri: objectUri,
    format: read.format,
    costColumn: read.costColumn,
    rowsRead: read.rowsRead,
    fingerprint: read.fingerprint,
    rejections: aggregate.rejections.summaries(),
    settings: partialSettingsOf(options, manifest.period),
    aggregate: aggregate.aggregator.serialize(),
  };
  const partialUri = await input.partials.write(partialKey(input.prefixUri, objectUri), partial);
  return {
    status: 'aggregated',
    key,
    sourceUri: objectUri,
    partialUri,
    rowsRead: read.rowsRead,
    rowsRejected: aggregate.rejections.total,
    fingerprint: read.fingerprint,
    format: read.format,
  };
}

/** The settings a partial records (and a merge compares) for the given options and period. */
export function partialSettingsOf(
  options: IngestBillingOptions,
  billingPeriod: BillingPartial['settings']['billingPeriod'],
): BillingPartial['settings'] {
  return {
    costColumn: options.costColumn ?? null,
    tagKeys: tagKeysOf(options),
    billingPeriod,
    contributorLimit: options.contributorLimit ?? null,
    maxCellsPerDay: options.maxCellsPerDay ?? null,
  };
}
