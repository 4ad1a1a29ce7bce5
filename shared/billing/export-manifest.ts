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
 * Where the manifest of a Data Exports data file lives: `<prefix>/<export>/data/BILLING_PERIOD=…/file`
 * has its manifest at `<prefix>/<export>/metadata/BILLING_PERIOD=…/<export>-Manifest.json`.
 * Undefined for a key that is not in that layout (a loose file).
 */
export function manifestKeyForDataFile(key: string): string | undefined {
  const match = /^(.*?)([^/]+)\/data\/(BILLING_PERIOD=[^/]+)\/[^/]+$/.exec(key);
  if (!match) return undefined;
  const [, prefix, exportName, period] = match;
  return `${prefix}${exportName}/metadata/${period}/${exportName}-Manifest.json`;
}
