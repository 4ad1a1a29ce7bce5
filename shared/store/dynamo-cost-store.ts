import { setTimeout as delay } from 'node:timers/promises';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ContributorAmount, CostPoint, IsoDay } from '#shared/cost/cost-point';
import type {
  CostStore,
  IngestionReport,
  UnitVersionResult,
  UnitVersionWrite,
} from '#shared/cost/cost-store-port';
import type { SeriesRef } from '#shared/cost/series-key';
import { FinopsError, InvalidInputError } from '#shared/errors';
import { formatMoney, type Money, parseMoney } from '#shared/money';
import { type BatchWriteOptions, batchWriteAll, type WriteRequest } from '#shared/store/batch-write';
import { type DocumentClientLike, isConditionalCheckFailed } from '#shared/store/dynamo-client';
import { Gsi1 } from '#shared/store/table-schema';

/**
 * Item layout (single table, pk/sk):
 * - series-day of one unit version: `SERIES#<currency>#<seriesKey>` / `DAY#<day>#UNIT#<unitId>#VERSION#<ingestionId>`;
 * - that version's manifest: `UNIT#<unitId>` / `VERSION#<ingestionId>#PART#<n>` (series and their days), so an old
 *   version is deleted by key without an index (no second write per item) and without a Scan;
 * - a unit's version pointer: `UNIT#<unitId>` / `CURRENT` (`ingestionId`, `cleanupOf` while an old version awaits deletion);
 * - ingestion report: `REPORT#<ingestionId>` / `REPORT`, gsi1 `REPORTS` / `<completedAt>#<ingestionId>`;
 * - series registry: `SERIESINDEX` / `<currency>#<seriesKey>` with `firstDay`/`lastDay`.
 * Readers only count items whose version is the unit's current one, so a crash at any point
 * leaves either the old or the new version visible, never a mix.
 */
export const CostItemPrefix = {
  series: 'SERIES#',
  unit: 'UNIT#',
  report: 'REPORT#',
  reports: 'REPORTS',
  seriesIndex: 'SERIESINDEX',
} as const;

const POINTER_SK = 'CURRENT';
const REPORT_SK = 'REPORT';

/** Dependencies and tuning of the DynamoDB cost store. */
export interface DynamoCostStoreProps {
  documentClient: DocumentClientLike;
  tableName: string;
  /** Contributors kept per dimension when several units' series-days are merged (default 10). */
  contributorsPerDimension?: number;
  /** Parallel requests for registry updates (default 8). */
  concurrency?: number;
  batchWrite?: BatchWriteOptions;
  /** Size budget of one version-manifest item in characters (default 300,000, under the 400 KB item limit). */
  manifestPartChars?: number;
  /** Clock for the pointer's `updatedAt` (default the system clock). */
  now?: () => Date;
}

/**
 * The cost store plus what the CLI needs beyond the port. `listSeries` reads the series registry
 * (every series ever written, widened per version); a series a restatement removed stays listed
 * and simply reads as empty.
 */
export interface DynamoCostStore extends CostStore {
  /** Stored ingestion reports, most recently completed first (Query on gsi1, no Scan). */
  listIngestionReports(options?: { limit?: number }): Promise<IngestionReport[]>;
}

/** Thrown when the store cannot complete an operation (e.g. pointer contention that never settles). */
export class CostStoreError extends FinopsError {}

interface PointerItem {
  ingestionId: string;
  cleanupOf?: string;
}

interface SeriesDayItem {
  pk: string;
  sk: string;
  seriesKey: string;
  currency: string;
  day: string;
  unitId: string;
  ingestionId: string;
  amount: string;
  rowCount: number;
  provisional?: boolean;
  contributors?: Array<{ dimension: string; value: string; amount: string }>;
}

/** Partition key of a series' day items. */
export function seriesPartitionKey(ref: SeriesRef): string {
  return `${CostItemPrefix.series}${ref.currency}#${ref.seriesKey}`;
}

/** Creates the DynamoDB implementation of the CostStore port (no transactions, no Scan). */
export function createDynamoCostStore(props: DynamoCostStoreProps): DynamoCostStore {
  const { documentClient: db, tableName } = props;
  const topN = props.contributorsPerDimension ?? 10;
  const concurrency = props.concurrency ?? 8;
  const now = props.now ?? (() => new Date());

  async function readReport(ingestionId: string): Promise<IngestionReport | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `${CostItemPrefix.report}${ingestionId}`, sk: REPORT_SK },
        ConsistentRead: true,
      }),
    );
    return Item ? itemToReport(Item.report as Record<string, unknown>) : undefined;
  }

  async function readPointer(unitId: string): Promise<PointerItem | undefined> {
    const { Item } = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `${CostItemPrefix.unit}${unitId}`, sk: POINTER_SK },
        ConsistentRead: true,
      }),
    );
    return Item
      ? { ingestionId: String(Item.ingestionId), cleanupOf: Item.cleanupOf as string | undefined }
      : undefined;
  }

  async function readPointers(unitIds: readonly string[]): Promise<Map<string, string>> {
    const current = new Map<string, string>();
    for (let at = 0; at < unitIds.length; at += 100) {
      let keys: Record<string, unknown>[] = unitIds
        .slice(at, at + 100)
        .map((unitId) => ({ pk: `${CostItemPrefix.unit}${unitId}`, sk: POINTER_SK }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt >= 8)
          throw new CostStoreError(`could not read ${keys.length} unit pointer(s) from ${tableName}`);
        if (attempt > 0) await delay(Math.min(1000, 25 * 2 ** attempt));
        const output = await db.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of output.Responses?.[tableName] ?? []) {
          current.set(String(item.pk).slice(CostItemPrefix.unit.length), String(item.ingestionId));
        }
        keys = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return current;
  }

  async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async function updateRegistry(points: readonly CostPoint[]): Promise<void> {
    const spans = new Map<string, { ref: SeriesRef; first: IsoDay; last: IsoDay }>();
    for (const point of points) {
      const sk = `${point.currency}#${point.seriesKey}`;
      const span = spans.get(sk);
      if (!span)
        spans.set(sk, {
          ref: { seriesKey: point.seriesKey, currency: point.currency },
          first: point.day,
          last: point.day,
        });
      else {
        if (point.day < span.first) span.first = point.day;
        if (point.day > span.last) span.last = point.day;
      }
    }
    const known = new Map(
      (
        await queryAll({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': CostItemPrefix.seriesIndex },
          ConsistentRead: true,
        })
      ).map((item) => [String(item.sk), item]),
    );
    const updates: Array<() => Promise<void>> = [];
    for (const [sk, span] of spans) {
      const entry = known.get(sk);
      const widen = async (attribute: 'firstDay' | 'lastDay', day: IsoDay, comparison: '<' | '>') => {
        try {
          await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: CostItemPrefix.seriesIndex, sk },
              UpdateExpression: 'SET #day = :day, seriesKey = :seriesKey, currency = :currency',
              // Only ever widen the span, so concurrent writers cannot shrink it.
              ConditionExpression: `attribute_not_exists(#day) OR #day ${comparison} :day`,
              ExpressionAttributeNames: { '#day': attribute },
              ExpressionAttributeValues: {
                ':day': day,
                ':seriesKey': span.ref.seriesKey,
                ':currency': span.ref.currency,
              },
            }),
          );
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      };
      if (!entry) {
        updates.push(async () => {
          try {
            await db.send(
              new PutCommand({
                TableName: tableName,
                Item: {
                  pk: CostItemPrefix.seriesIndex,
                  sk,
                  seriesKey: span.ref.seriesKey,
                  currency: span.ref.currency,
                  firstDay: span.first,
                  lastDay: span.last,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            );
          } catch (error) {
            if (!isConditionalCheckFailed(error)) throw error;
            // Created concurrently by another writer: widen it instead.
            await widen('firstDay', span.first, '>');
            await widen('lastDay', span.last, '<');
          }
        });
        continue;
      }
      if (String(entry.firstDay) > span.first) updates.push(() => widen('firstDay', span.first, '>'));
      if (String(entry.lastDay) < span.last) updates.push(() => widen('lastDay', span.last, '<'));
    }
    await runLimited(updates, concurrency);
  }

  async function deleteVersion(unitId: string, ingestionId: string): Promise<void> {
    const parts = await queryAll({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': `${CostItemPrefix.unit}${unitId}`,
        ':prefix': manifestPrefix(ingestionId),
      },
      ConsistentRead: true,
    });
    const deletes: WriteRequest[] = [];
    for (const part of parts) {
      for (const entry of (part.series ?? []) as ManifestEntry[]) {
        for (const day of manifestDays(entry)) {
          deletes.push({
            DeleteRequest: {
              Key: seriesDayKey({ currency: entry.c, seriesKey: entry.k }, day, unitId, ingestionId),
            },
          });
        }
      }
    }
    // Manifest parts last: if this is interrupted, the remaining items can still be found.
    await batchWriteAll(db, tableName, deletes, props.batchWrite);
    await batchWriteAll(
      db,
      tableName,
      parts.map((part) => ({ DeleteRequest: { Key: { pk: part.pk, sk: part.sk } } })),
      props.batchWrite,
    );
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `${CostItemPrefix.unit}${unitId}`, sk: POINTER_SK },
          UpdateExpression: 'REMOVE cleanupOf',
          ConditionExpression: 'cleanupOf = :old',
          ExpressionAttributeValues: { ':old': ingestionId },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async function putReport(report: IngestionReport, versionReplaced: string | undefined): Promise<void> {
    const stored = reportToItem({ ...report, versionReplaced });
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `${CostItemPrefix.report}${report.ingestionId}`,
          sk: REPORT_SK,
          [Gsi1.partition]: CostItemPrefix.reports,
          [Gsi1.sort]: `${report.completedAt}#${report.ingestionId}`,
          report: stored,
        },
      }),
    );
  }

  /** Switches the pointer from `expected` to `next`; false when someone else moved it first. */
  async function switchPointer(unitId: string, expected: string | undefined, next: string): Promise<boolean> {
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `${CostItemPrefix.unit}${unitId}`, sk: POINTER_SK },
          UpdateExpression:
            expected === undefined
              ? 'SET ingestionId = :next, unitId = :unit, updatedAt = :at'
              : 'SET ingestionId = :next, unitId = :unit, updatedAt = :at, previous = :old, cleanupOf = :old',
          ConditionExpression:
            expected === undefined ? 'attribute_not_exists(ingestionId)' : 'ingestionId = :old',
          ExpressionAttributeValues: {
            ':next': next,
            ':unit': unitId,
            ':at': now().toISOString(),
            ...(expected === undefined ? {} : { ':old': expected }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  return {
    async replaceUnitVersion(write: UnitVersionWrite): Promise<UnitVersionResult> {
      const { unitId, ingestionId } = write;
      assertUniqueSeriesDays(write);
      let pointer = await readPointer(unitId);
      if (pointer?.ingestionId === ingestionId) {
        if (pointer.cleanupOf) await deleteVersion(unitId, pointer.cleanupOf);
        return { unchanged: true, seriesDaysWritten: 0 };
      }
      await batchWriteAll(
        db,
        tableName,
        [
          ...write.points.map((point) => ({ PutRequest: { Item: pointToItem(point, unitId, ingestionId) } })),
          ...manifestItems(unitId, ingestionId, write.points, props.manifestPartChars).map((Item) => ({
            PutRequest: { Item },
          })),
        ],
        props.batchWrite,
      );
      await updateRegistry(write.points);
      for (let attempt = 0; attempt < 10; attempt++) {
        const replaced = pointer?.ingestionId;
        // The report goes in before the switch, so a current version always has its report.
        await putReport(write.report, replaced);
        if (await switchPointer(unitId, replaced, ingestionId)) {
          if (replaced !== undefined) await deleteVersion(unitId, replaced);
          return { unchanged: false, seriesDaysWritten: write.points.length, versionReplaced: replaced };
        }
        pointer = await readPointer(unitId);
        // A concurrent duplicate delivery switched to this very version: its items equal ours.
        if (pointer?.ingestionId === ingestionId) return { unchanged: true, seriesDaysWritten: 0 };
      }
      throw new CostStoreError(`unit ${unitId}: the version pointer kept changing; retry the ingestion`);
    },

    async listSeries(options = {}): Promise<SeriesRef[]> {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': CostItemPrefix.seriesIndex,
          ...(options.activeSince ? { ':since': options.activeSince } : {}),
        },
        ...(options.activeSince ? { FilterExpression: 'lastDay >= :since' } : {}),
      });
      return items.map((item) => ({ seriesKey: String(item.seriesKey), currency: String(item.currency) }));
    },

    async readSeries(ref: SeriesRef, range: { from: IsoDay; to: IsoDay }): Promise<CostPoint[]> {
      const items = (await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': seriesPartitionKey(ref),
          ':from': `DAY#${range.from}#`,
          // '$' sorts right after '#', so this bounds every item of the last day.
          ':to': `DAY#${range.to}$`,
        },
        ConsistentRead: true,
      })) as unknown as SeriesDayItem[];
      const current = await readPointers([...new Set(items.map((item) => item.unitId))]);
      const byDay = new Map<IsoDay, SeriesDayItem[]>();
      for (const item of items) {
        if (current.get(item.unitId) !== item.ingestionId) continue;
        const list = byDay.get(item.day);
        if (list) list.push(item);
        else byDay.set(item.day, [item]);
      }
      return [...byDay.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([day, dayItems]) => mergeDay(ref, day, dayItems, topN));
    },

    getIngestionReport: readReport,

    async currentUnitReport(unitId: string): Promise<IngestionReport | undefined> {
      const pointer = await readPointer(unitId);
      return pointer ? readReport(pointer.ingestionId) : undefined;
    },

    async listIngestionReports(options = {}): Promise<IngestionReport[]> {
      const reports: IngestionReport[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: Gsi1.name,
            KeyConditionExpression: '#gpk = :gpk',
            ExpressionAttributeNames: { '#gpk': Gsi1.partition },
            ExpressionAttributeValues: { ':gpk': CostItemPrefix.reports },
            ScanIndexForward: false,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? [])
          reports.push(itemToReport(item.report as Record<string, unknown>));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey && reports.length < limit);
      return reports.slice(0, limit);
    },
  };
}

/** One series of a version manifest: currency, series key, first day, and a '0'/'1' string per day from it. */
interface ManifestEntry {
  c: string;
  k: string;
  from: IsoDay;
  days: string;
}

/** Manifest parts stay well under DynamoDB's 400 KB item limit. */
const MANIFEST_PART_CHARS = 300_000;

function manifestPrefix(ingestionId: string): string {
  return `VERSION#${ingestionId}#PART#`;
}

function seriesDayKey(ref: SeriesRef, day: IsoDay, unitId: string, ingestionId: string) {
  return { pk: seriesPartitionKey(ref), sk: `DAY#${day}#UNIT#${unitId}#VERSION#${ingestionId}` };
}

function nextDay(day: IsoDay): IsoDay {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * The version manifest: which series-days a version wrote, so its items can be deleted by key
 * (no index, no reads of other units' items) when a newer version replaces it.
 */
function manifestItems(
  unitId: string,
  ingestionId: string,
  points: readonly CostPoint[],
  partChars = MANIFEST_PART_CHARS,
): Record<string, unknown>[] {
  const bySeries = new Map<string, { c: string; k: string; days: Set<IsoDay> }>();
  for (const point of points) {
    const id = `${point.currency}\u0000${point.seriesKey}`;
    const entry = bySeries.get(id) ?? { c: point.currency, k: point.seriesKey, days: new Set<IsoDay>() };
    entry.days.add(point.day);
    bySeries.set(id, entry);
  }
  const parts: ManifestEntry[][] = [[]];
  let chars = 0;
  for (const { c, k, days } of bySeries.values()) {
    const sorted = [...days].sort();
    const from = sorted[0]!;
    const last = sorted.at(-1)!;
    let bits = '';
    for (let day = from; day <= last; day = nextDay(day)) bits += days.has(day) ? '1' : '0';
    const entry: ManifestEntry = { c, k, from, days: bits };
    const size = c.length + k.length + from.length + bits.length + 32;
    if (chars + size > partChars && parts.at(-1)!.length > 0) {
      parts.push([]);
      chars = 0;
    }
    parts.at(-1)!.push(entry);
    chars += size;
  }
  return parts.map((series, index) => ({
    pk: `${CostItemPrefix.unit}${unitId}`,
    sk: `${manifestPrefix(ingestionId)}${String(index).padStart(4, '0')}`,
    unitId,
    ingestionId,
    series,
  }));
}

function manifestDays(entry: ManifestEntry): IsoDay[] {
  const days: IsoDay[] = [];
  let day = entry.from;
  for (const bit of entry.days) {
    if (bit === '1') days.push(day);
    day = nextDay(day);
  }
  return days;
}

function assertUniqueSeriesDays(write: UnitVersionWrite): void {
  const seen = new Set<string>();
  for (const point of write.points) {
    const key = `${point.currency}\u0000${point.seriesKey}\u0000${point.day}`;
    if (seen.has(key)) {
      throw new InvalidInputError(
        `unit ${write.unitId}: series ${JSON.stringify(point.seriesKey)} (${point.currency}) has two points for ${point.day}; ` +
          'aggregate to one point per series-day before writing',
      );
    }
    seen.add(key);
  }
}

function pointToItem(point: CostPoint, unitId: string, ingestionId: string): Record<string, unknown> {
  return {
    ...seriesDayKey(point, point.day, unitId, ingestionId),
    seriesKey: point.seriesKey,
    currency: point.currency,
    day: point.day,
    unitId,
    ingestionId,
    // Exact decimal text: a DynamoDB Number would come back as a lossy JS number.
    amount: formatMoney(point.amount),
    rowCount: point.rowCount,
    ...(point.provisional ? { provisional: true } : {}),
    ...(point.contributors?.length
      ? {
          contributors: point.contributors.map((c) => ({
            dimension: c.dimension,
            value: c.value,
            amount: formatMoney(c.amount),
          })),
        }
      : {}),
  };
}

function mergeDay(ref: SeriesRef, day: IsoDay, items: SeriesDayItem[], topN: number): CostPoint {
  let amount: Money = 0n;
  let rowCount = 0;
  let provisional = false;
  const contributors = new Map<string, ContributorAmount>();
  for (const item of items) {
    amount += parseMoney(item.amount);
    rowCount += Number(item.rowCount);
    provisional ||= item.provisional === true;
    for (const c of item.contributors ?? []) {
      const key = `${c.dimension}\u0000${c.value}`;
      const existing = contributors.get(key);
      if (existing) existing.amount += parseMoney(c.amount);
      else contributors.set(key, { dimension: c.dimension, value: c.value, amount: parseMoney(c.amount) });
    }
  }
  const point: CostPoint = { seriesKey: ref.seriesKey, currency: ref.currency, day, amount, rowCount };
  if (provisional) point.provisional = true;
  if (contributors.size > 0) point.contributors = topContributors([...contributors.values()], topN);
  return point;
}

/** Keeps the `topN` largest (by absolute amount) contributors of each dimension, largest first. */
export function topContributors(contributors: ContributorAmount[], topN: number): ContributorAmount[] {
  const abs = (m: Money) => (m < 0n ? -m : m);
  const sorted = [...contributors].sort((a, b) => {
    if (a.dimension !== b.dimension) return a.dimension < b.dimension ? -1 : 1;
    const diff = abs(b.amount) - abs(a.amount);
    if (diff !== 0n) return diff > 0n ? 1 : -1;
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  });
  const perDimension = new Map<string, number>();
  return sorted.filter((c) => {
    const kept = perDimension.get(c.dimension) ?? 0;
    perDimension.set(c.dimension, kept + 1);
    return kept < topN;
  });
}

function reportToItem(report: IngestionReport): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(report, (_key, value) => (typeof value === 'bigint' ? formatMoney(value) : value)),
  ) as Record<string, unknown>;
}

function itemToReport(item: Record<string, unknown>): IngestionReport {
  const report = { ...item } as unknown as IngestionReport & {
    totals: Array<{ currency: string; amount: unknown }>;
  };
  report.totals = report.totals.map((total) => ({
    currency: total.currency,
    amount: parseMoney(String(total.amount)),
  }));
  return report;
}

async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), tasks.length) }, worker));
}
