import type { IsoDay } from '#shared/cost/cost-point';
import { InvalidInputError } from '#shared/errors';

/** A Data Exports (or legacy CUR) manifest that is not valid JSON or lacks the fields we need. */
export class InvalidManifestError extends InvalidInputError {}

/**
 * One delivery of an AWS Data Exports billing period: the export's name, the period, and every
 * data file it consists of (as listed: S3 keys or `s3://` uris).
 */
export interface ExportManifest {
  exportName: string;
  /** `YYYY-MM` of the billing period. */
  billingPeriod: string;
  /** Usage days the period covers, [start, end). */
  period: { start: IsoDay; end: IsoDay };
  dataFiles: string[];
}

/** True for `<export>-Manifest.json` (Data Exports) and legacy CUR `*-Manifest.json` objects. */
export function isManifestUri(uri: string): boolean {
  return /-?manifest\.json$/i.test(uri);
}

/** The ingestion unit id of a manifest's period: `<exportName>/<YYYY-MM>`, replaced as a whole. */
export function manifestUnitId(manifest: ExportManifest): string {
  return `${manifest.exportName}/${manifest.billingPeriod}`;
}

function toDay(text: unknown): IsoDay | undefined {
  if (typeof text !== 'string') return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})(?:T|$)/.exec(text);
  if (compact) return `${compact[1]}-${compact[2]}-${compact[3]}`;
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(text);
  return iso?.[1];
}

function nextMonth(month: string): IsoDay {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

/**
 * Parses a manifest's JSON. Accepts Data Exports fields (`exportName`, `dataFiles`,
 * `billingPeriod` as `YYYY-MM` or `{start, end}`) and legacy CUR ones (`reportName`,
 * `reportKeys`, `billingPeriod.start` as `20231101T000000.000Z`).
 */
export function parseExportManifest(text: string, uri: string): ExportManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidManifestError(`${uri} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!json || typeof json !== 'object') throw new InvalidManifestError(`${uri} is not a JSON object`);
  const exportName = json.exportName ?? json.reportName ?? json.name;
  const files = json.dataFiles ?? json.reportKeys;
  const problems: string[] = [];
  if (typeof exportName !== 'string' || exportName === '') problems.push('exportName (or reportName)');
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === 'string' && f !== '')) {
    problems.push('dataFiles (or reportKeys): a non-empty list of keys');
  }
  let start: IsoDay | undefined;
  let end: IsoDay | undefined;
  const period = json.billingPeriod;
  if (typeof period === 'string' && /^\d{4}-\d{2}$/.test(period)) {
    start = `${period}-01`;
    end = nextMonth(period);
  } else if (period && typeof period === 'object') {
    start = toDay((period as Record<string, unknown>).start);
    end =
      toDay((period as Record<string, unknown>).end) ?? (start ? nextMonth(start.slice(0, 7)) : undefined);
  }
  if (!start || !end) problems.push('billingPeriod (YYYY-MM or {start, end})');
  if (problems.length > 0) throw new InvalidManifestError(`${uri} lacks ${problems.join(', ')}`);
  return {
    exportName: exportName as string,
    billingPeriod: start!.slice(0, 7),
    period: { start: start!, end: end! },
    dataFiles: files as string[],
  };
}

/**
 * An object of a legacy Cost and Usage Report delivery:
 * `<prefix><report>/<yyyymmdd-yyyymmdd>/[<assemblyId>/]<file>` (the assembly folder when the
 * report keeps its versions, none when it overwrites them).
 */
const LEGACY_CUR_OBJECT = /^(.*?)([^/]+)\/(\d{8}-\d{8})\/(?:([^/]+)\/)?([^/]+)$/;

/**
 * Where the manifest of a data file lives, or undefined for a key in neither export layout (a
 * loose file, a unit of its own):
 * - Data Exports: `<prefix>/<export>/data/BILLING_PERIOD=…/[<version folders>/]file` →
 *   `<prefix>/<export>/metadata/BILLING_PERIOD=…/[<version folders>/]<export>-Manifest.json`
 *   (a file anywhere under a period's data folder is never a loose unit: at worst it waits for a
 *   manifest that is elsewhere, and the manifest's own event ingests the period);
 * - legacy CUR: `<prefix>/<report>/<yyyymmdd-yyyymmdd>/[<assemblyId>/]<report>-<n>.<ext>` →
 *   `<prefix>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json`, the report version's manifest,
 *   so a data file is ingested only as part of its period, never also on its own.
 */
export function manifestKeyForDataFile(key: string): string | undefined {
  const match = /^(.*?)([^/]+)\/data\/(BILLING_PERIOD=[^/]+)\/(?:(.+)\/)?[^/]+$/.exec(key);
  if (match) {
    const [, prefix, exportName, period, version] = match;
    const folder = version === undefined ? period : `${period}/${version}`;
    return `${prefix}${exportName}/metadata/${folder}/${exportName}-Manifest.json`;
  }
  const legacy = LEGACY_CUR_OBJECT.exec(key);
  if (legacy) {
    const [, prefix, report, range, , file] = legacy as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (file.startsWith(`${report}-`) && /^\d+\./.test(file.slice(report.length + 1))) {
      return `${prefix}${report}/${range}/${report}-Manifest.json`;
    }
  }
  return undefined;
}

/**
 * Why an object delivered beside billing data is not billing data (it is skipped, not refused),
 * or undefined when it may be: the Athena, Redshift and QuickSight integration files of a Cost and
 * Usage Report, its data-status marker, and the copy of a legacy report version's manifest in its
 * assembly folder (the period's own manifest defines the unit; an old copy must not replace it).
 */
export function ignoredObjectReason(key: string): string | undefined {
  if (/(^|\/)cost_and_usage_data_status\//.test(key)) return 'a Cost and Usage Report data-status marker';
  if (/\.(sql|ya?ml)$/i.test(key) || /-(Redshift|QuickSight)Manifest\.json$/i.test(key)) {
    return 'an Athena, Redshift or QuickSight integration file of the report';
  }
  const legacy = LEGACY_CUR_OBJECT.exec(key);
  if (legacy && legacy[4] !== undefined && legacy[5] === `${legacy[2]}-Manifest.json`) {
    return `the assembly folder's copy of the report version's manifest (${legacy[2]}/${legacy[3]}/${legacy[2]}-Manifest.json defines the period)`;
  }
  return undefined;
}
