import type { BillingObjects } from '#shared/billing/billing-objects';
import {
  ignoredObjectReason,
  isManifestUri,
  manifestUnitId,
  parseExportManifest,
} from '#shared/billing/export-manifest';
import type { BillingSource } from '#shared/billing/read-billing-source';
import type { IsoDay } from '#shared/cost/cost-point';

/** A unit ready to ingest: a loose file, or a manifest's complete period. */
export interface ReadyUnit {
  status: 'ready';
  unitId: string;
  /** The object that defines the unit (the file, or the manifest). */
  uri: string;
  sources: BillingSource[];
  billingPeriod?: { start: IsoDay; end: IsoDay };
}

/** A manifest's period with files still missing: nothing is ingested until they all arrive. */
export interface IncompleteUnit {
  status: 'incomplete';
  unitId: string;
  uri: string;
  missing: string[];
}

/**
 * A data file of an export period whose manifest has not arrived yet (`no-manifest`), or that
 * belongs to a new delivery of a period already stored from the manifest present
 * (`newer-delivery`: AWS writes the manifest last, and its own event ingests the new version).
 */
export interface WaitingUnit {
  status: 'waiting-for-manifest';
  uri: string;
  manifestUri: string;
  reason: 'no-manifest' | 'newer-delivery';
}

/** An object delivered beside the billing data that is not billing data (see ignoredObjectReason). */
export interface IgnoredObject {
  status: 'ignored';
  uri: string;
  reason: string;
}

export type UnitPlan = ReadyUnit | IncompleteUnit | WaitingUnit | IgnoredObject;

/** Plans a manifest's billing period: ready only when every listed data file is present. */
export async function planManifestUnit(
  manifestUri: string,
  objects: BillingObjects,
): Promise<ReadyUnit | IncompleteUnit> {
  const manifest = parseExportManifest(await objects.readText(manifestUri), manifestUri);
  const unitId = manifestUnitId(manifest);
  const resolved = await Promise.all(
    manifest.dataFiles.map((listed) => objects.resolveListed(manifestUri, listed)),
  );
  const missing = manifest.dataFiles.filter((_, i) => resolved[i] === undefined);
  if (missing.length > 0) return { status: 'incomplete', unitId, uri: manifestUri, missing };
  return {
    status: 'ready',
    unitId,
    uri: manifestUri,
    sources: (resolved as string[]).map((uri) => objects.source(uri)),
    billingPeriod: manifest.period,
  };
}

/**
 * Plans what one arriving object means: an integration file or manifest copy → ignored; a
 * manifest → its period; a data file in the Data Exports or legacy CUR layout → its period if
 * the manifest is there (else wait for it); any other file → a unit of its own, identified by its uri.
 */
export async function planObjectUnit(uri: string, objects: BillingObjects): Promise<UnitPlan> {
  const ignored = ignoredObjectReason(uri);
  if (ignored !== undefined) return { status: 'ignored', uri, reason: ignored };
  if (isManifestUri(uri)) return planManifestUnit(uri, objects);
  const manifestUri = objects.manifestFor(uri);
  if (manifestUri !== undefined) {
    if (!(await objects.exists(manifestUri))) {
      return { status: 'waiting-for-manifest', uri, manifestUri, reason: 'no-manifest' };
    }
    return planManifestUnit(manifestUri, objects);
  }
  return { status: 'ready', unitId: uri, uri, sources: [objects.source(uri)] };
}
