import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { BillingSource } from '#shared/billing/read-billing-source';
import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import type {
  CostStore,
  IngestionReport,
  UnitVersionResult,
  UnitVersionWrite,
} from '#shared/cost/cost-store-port';
import type { SeriesRef } from '#shared/cost/series-key';
import type { OutgoingEvent, PublishEvents } from '#shared/events/publish-port';

/** The repository root and the read-only shared data folder beside it. */
export const repoRoot = path.resolve(__dirname, '../../../..');
export const dataDir = path.resolve(repoRoot, '..', 'shared/data');
export const focusAws = path.join(dataDir, 'focus/focus-1.0-finops-foundation/focus_sample_aws.csv');
export const focusMicrosoft = path.join(
  dataDir,
  'focus/focus-1.0-finops-foundation/focus_sample_microsoft.csv',
);
export const legacyCur = path.join(
  dataDir,
  'cur/legacy-cur/focus-converters_sample-anonymous-aws-export-dataset.csv',
);

/** A billing source over a local file. */
export function fileSource(file: string): BillingSource {
  return { uri: file, open: async () => createReadStream(file) };
}

/** A billing source over in-memory bytes, delivered in chunks of `chunkSize` to exercise record splits. */
export function bytesSource(uri: string, bytes: Buffer | string, chunkSize = 7): BillingSource {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return {
    uri,
    open: async () => {
      const chunks: Buffer[] = [];
      for (let at = 0; at < buffer.length; at += chunkSize) chunks.push(buffer.subarray(at, at + chunkSize));
      return Readable.from(chunks);
    },
  };
}

/** A small in-memory CostStore with the port's replace-as-a-whole semantics. */
export class InMemoryCostStore implements CostStore {
  readonly units = new Map<string, { ingestionId: string; points: CostPoint[] }>();
  readonly reports = new Map<string, IngestionReport>();

  async replaceUnitVersion(write: UnitVersionWrite): Promise<UnitVersionResult> {
    const current = this.units.get(write.unitId);
    if (current?.ingestionId === write.ingestionId) return { unchanged: true, seriesDaysWritten: 0 };
    this.units.set(write.unitId, { ingestionId: write.ingestionId, points: write.points });
    this.reports.set(write.ingestionId, write.report);
    return {
      unchanged: false,
      seriesDaysWritten: write.points.length,
      ...(current ? { versionReplaced: current.ingestionId } : {}),
    };
  }

  async listSeries(): Promise<SeriesRef[]> {
    const seen = new Map<string, SeriesRef>();
    for (const unit of this.units.values()) {
      for (const p of unit.points)
        seen.set(`${p.currency}|${p.seriesKey}`, { seriesKey: p.seriesKey, currency: p.currency });
    }
    return [...seen.values()];
  }

  async readSeries(ref: SeriesRef, range: { from: IsoDay; to: IsoDay }): Promise<CostPoint[]> {
    const byDay = new Map<string, CostPoint>();
    for (const unit of this.units.values()) {
      for (const p of unit.points) {
        if (
          p.seriesKey !== ref.seriesKey ||
          p.currency !== ref.currency ||
          p.day < range.from ||
          p.day > range.to
        )
          continue;
        const seen = byDay.get(p.day);
        byDay.set(
          p.day,
          seen ? { ...seen, amount: seen.amount + p.amount, rowCount: seen.rowCount + p.rowCount } : p,
        );
      }
    }
    return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async getIngestionReport(ingestionId: string): Promise<IngestionReport | undefined> {
    return this.reports.get(ingestionId);
  }

  async currentUnitReport(unitId: string): Promise<IngestionReport | undefined> {
    const current = this.units.get(unitId);
    return current ? this.reports.get(current.ingestionId) : undefined;
  }
}

/** A publisher that records what it was given. */
export function recordingPublisher(): { publish: PublishEvents; published: OutgoingEvent[] } {
  const published: OutgoingEvent[] = [];
  return {
    published,
    publish: async (events) => {
      published.push(...events);
    },
  };
}

/** Runs one DuckDB query (single-threaded, UTC) and returns rows as objects. */
export async function duckdbRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone='UTC'");
    await connection.run('SET threads=1');
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjects() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** DuckDB's DECIMAL(38,10) text (`0.0000000000`) in our canonical form. */
export function canonicalDecimal(text: string): string {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [whole = '0', fraction = ''] = body.split('.');
  const trimmedFraction = fraction.replace(/0+$/, '');
  const result = trimmedFraction === '' ? String(BigInt(whole)) : `${BigInt(whole)}.${trimmedFraction}`;
  return negative && result !== '0' ? `-${result}` : result;
}

/** Reads a text fixture. */
export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

/**
 * Writes a legacy Cost and Usage Report version into a bucket folder as AWS delivers it: the
 * legacy CUR sample in two gzip parts in the assembly folder, the period's manifest, its copy in
 * the assembly folder, and the Redshift integration files. Returns every key written, data first.
 */
export function writeLegacyCurReport(
  bucketDir: string,
  report: { root: string; name: string; assemblyId: string },
): { keys: string[]; manifestKey: string; assemblyPrefix: string } {
  const period = `${report.root}${report.name}/20231101-20231201`;
  const assemblyPrefix = `${period}/${report.assemblyId}/`;
  const [header, ...rows] = readFileSync(legacyCur, 'utf8').trimEnd().split('\n');
  const half = Math.ceil(rows.length / 2);
  const parts = [rows.slice(0, half), rows.slice(half)].map((part, i) => ({
    key: `${assemblyPrefix}${report.name}-${i + 1}.csv.gz`,
    body: gzipSync([header, ...part].join('\n')),
  }));
  const manifest = JSON.stringify({
    assemblyId: report.assemblyId,
    reportName: report.name,
    billingPeriod: { start: '20231101T000000.000Z', end: '20231201T000000.000Z' },
    reportKeys: parts.map((p) => p.key),
  });
  const manifestKey = `${period}/${report.name}-Manifest.json`;
  const objects = [
    ...parts,
    { key: `${assemblyPrefix}${report.name}-Manifest.json`, body: Buffer.from(manifest) },
    { key: `${assemblyPrefix}${report.name}-RedshiftManifest.json`, body: Buffer.from('{"entries": []}') },
    {
      key: `${assemblyPrefix}${report.name}-RedshiftCommands.sql`,
      body: Buffer.from('create table cur (...);'),
    },
    { key: manifestKey, body: Buffer.from(manifest) },
  ];
  for (const { key, body } of objects) {
    mkdirSync(path.dirname(path.join(bucketDir, key)), { recursive: true });
    writeFileSync(path.join(bucketDir, key), body);
  }
  return { keys: objects.map((o) => o.key), manifestKey, assemblyPrefix };
}
