import { createHash } from 'node:crypto';
import { KubernetesIngestionCompletedEvent } from '#events/kubernetes-ingestion-completed';
import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import type { CostStore, IngestionReport } from '#shared/cost/cost-store-port';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import { formatMoney, type Money } from '#shared/money';
import type { LogSink } from '#shared/observability';
import type { K8sStore } from '#shared/store/dynamo-k8s-store';
import type { ContainerUsageDay } from './container-usage';
import { type OpenCostAllocation, parseAllocationResponse } from './opencost-allocation';
import type { FetchAllocations } from './opencost-client';
import { allocationsToCostPoints, allocationsToUsage } from './opencost-conversion';

/** One OpenCost allocation response to ingest, with the `aggregate` it was queried with. */
export interface AllocationResponse {
  /** Where it came from (URL or file path), for reports. */
  source: string;
  body: unknown;
  aggregate?: string;
}

/** Adapters and settings of an ingestion run. */
export interface IngestKubernetesCostsProps {
  responses: readonly AllocationResponse[];
  costStore: Pick<CostStore, 'replaceUnitVersion'>;
  k8sStore: Pick<K8sStore, 'putUsage'>;
  publish: PublishEvents;
  now: () => Date;
  /** OpenCost's configured currency (OpenCost does not say it in the response). */
  currency?: string;
  costCenterLabel?: string;
  /** Cluster name for responses whose allocations carry no `properties.cluster`. */
  defaultCluster?: string;
  logger?: LogSink;
}

/** What one run stored, per cluster. */
export interface KubernetesIngestionResult {
  clusters: Array<{
    cluster: string;
    ingestionId: string;
    days: { from: IsoDay; to: IsoDay };
    namespaces: number;
    containers: number;
    seriesDaysWritten: number;
    usageDaysWritten: number;
    totalCost: string;
  }>;
  placeholdersSkipped: number;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

function fingerprint(points: readonly CostPoint[]): string {
  return shortHash(
    JSON.stringify(points, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
  );
}

/**
 * Ingests OpenCost allocation responses: every response is parsed and converted before
 * anything is written (a malformed one stores nothing), then per-container usage is upserted,
 * each cluster-day's cost series replace unit `opencost/<cluster>/<day>` (idempotent: the same
 * data twice changes nothing) and one `Kubernetes Ingestion Completed` is emitted per cluster.
 */
export async function ingestKubernetesCosts(
  props: IngestKubernetesCostsProps,
): Promise<KubernetesIngestionResult> {
  const currency = props.currency ?? 'USD';
  const startedAt = props.now().toISOString();
  const pointsByUnit = new Map<
    string,
    { cluster: string; day: IsoDay; points: CostPoint[]; sources: Set<string> }
  >();
  const usage: ContainerUsageDay[] = [];
  let placeholdersSkipped = 0;

  // Parse and convert everything first: nothing is half-written when one response is bad.
  for (const response of props.responses) {
    const parsed = parseAllocationResponse(response.body, { defaultCluster: props.defaultCluster });
    placeholdersSkipped += parsed.placeholdersSkipped;
    const options = { currency, costCenterLabel: props.costCenterLabel, aggregate: response.aggregate };
    const allocations: OpenCostAllocation[] = parsed.allocations;
    for (const [unitKey, unit] of allocationsToCostPoints(allocations, options)) {
      const existing = pointsByUnit.get(unitKey);
      if (existing) {
        existing.points = mergePoints(existing.points, unit.points);
        existing.sources.add(response.source);
      } else pointsByUnit.set(unitKey, { ...unit, sources: new Set([response.source]) });
    }
    usage.push(...allocationsToUsage(allocations, options));
  }

  const usageWritten = await props.k8sStore.putUsage(dedupeUsage(usage));

  const perCluster = new Map<
    string,
    KubernetesIngestionResult['clusters'][number] & {
      total: Money;
      namespaceSet: Set<string>;
      containerSet: Set<string>;
    }
  >();
  const clusterOf = (cluster: string) => {
    let entry = perCluster.get(cluster);
    if (!entry) {
      entry = {
        cluster,
        ingestionId: '',
        days: { from: '9999-12-31', to: '0000-01-01' },
        namespaces: 0,
        containers: 0,
        seriesDaysWritten: 0,
        usageDaysWritten: 0,
        totalCost: '0',
        total: 0n,
        namespaceSet: new Set(),
        containerSet: new Set(),
      };
      perCluster.set(cluster, entry);
    }
    return entry;
  };

  for (const unit of [...pointsByUnit.values()].sort((a, b) => a.day.localeCompare(b.day))) {
    const unitId = `opencost/${unit.cluster}/${unit.day}`;
    const ingestionId = `${unitId}#${fingerprint(unit.points)}`;
    const total = unit.points
      .filter((point) => point.seriesKey.startsWith('k8s-namespace='))
      .reduce((sum, point) => sum + point.amount, 0n);
    const report: IngestionReport = {
      ingestionId,
      unitId,
      format: 'opencost',
      sourceUris: [...unit.sources],
      costColumn: 'totalCost',
      rowsRead: unit.points.reduce((sum, point) => sum + point.rowCount, 0),
      rowsRejected: 0,
      rejections: [],
      seriesDaysWritten: unit.points.length,
      seriesCount: unit.points.length,
      days: { from: unit.day, to: unit.day },
      totals: [{ currency, amount: total }],
      startedAt,
      completedAt: props.now().toISOString(),
    };
    const result = await props.costStore.replaceUnitVersion({
      unitId,
      ingestionId,
      points: unit.points,
      report,
    });
    const entry = clusterOf(unit.cluster);
    entry.seriesDaysWritten += result.seriesDaysWritten;
    entry.total += total;
    if (unit.day < entry.days.from) entry.days.from = unit.day;
    if (unit.day > entry.days.to) entry.days.to = unit.day;
    for (const point of unit.points) {
      if (point.seriesKey.startsWith('k8s-namespace=')) entry.namespaceSet.add(point.seriesKey);
    }
  }
  for (const record of usage) {
    const entry = clusterOf(record.workload.cluster);
    entry.usageDaysWritten += 1;
    entry.containerSet.add(
      `${record.workload.namespace}/${record.workload.kind}/${record.workload.name}/${record.container}`,
    );
    entry.namespaceSet.add(`k8s-namespace=${record.workload.namespace}`);
    if (record.day < entry.days.from) entry.days.from = record.day;
    if (record.day > entry.days.to) entry.days.to = record.day;
  }

  const clusters: KubernetesIngestionResult['clusters'] = [];
  for (const entry of perCluster.values()) {
    const ingestionId = `opencost:${entry.cluster}:${entry.days.from}..${entry.days.to}`;
    clusters.push({
      cluster: entry.cluster,
      ingestionId,
      days: entry.days,
      namespaces: entry.namespaceSet.size,
      containers: entry.containerSet.size,
      seriesDaysWritten: entry.seriesDaysWritten,
      usageDaysWritten: entry.usageDaysWritten,
      totalCost: formatMoney(entry.total),
    });
  }
  if (clusters.length > 0) {
    await props.publish(
      clusters.map((cluster) =>
        outgoing(KubernetesIngestionCompletedEvent, {
          schemaVersion: 1,
          ingestionId: cluster.ingestionId,
          cluster: cluster.cluster,
          days: cluster.days,
          namespaces: cluster.namespaces,
          containers: cluster.containers,
          seriesDaysWritten: cluster.seriesDaysWritten,
          usageDaysWritten: cluster.usageDaysWritten,
          completedAt: props.now().toISOString(),
        }),
      ),
    );
  }
  props.logger?.info('kubernetes costs ingested', {
    clusters: clusters.length,
    usageWritten,
    placeholdersSkipped,
  });
  return { clusters, placeholdersSkipped };
}

/** The same series-day from two responses (e.g. a re-fetched day) counts once: the later wins. */
function mergePoints(existing: CostPoint[], incoming: CostPoint[]): CostPoint[] {
  const byKey = new Map(existing.map((point) => [point.seriesKey, point]));
  for (const point of incoming) byKey.set(point.seriesKey, point);
  return [...byKey.values()].sort((a, b) => a.seriesKey.localeCompare(b.seriesKey));
}

function dedupeUsage(records: readonly ContainerUsageDay[]): ContainerUsageDay[] {
  const byKey = new Map<string, ContainerUsageDay>();
  for (const record of records) {
    const w = record.workload;
    byKey.set([w.cluster, w.namespace, w.kind, w.name, record.container, record.day].join('\u0000'), record);
  }
  return [...byKey.values()];
}

/** UTC days `from..to` as one OpenCost window with a one-day step (`<from>T00:00:00Z,<to+1>T00:00:00Z`). */
export function dailyWindow(range: { from: IsoDay; to: IsoDay }): string {
  const end = new Date(`${range.to}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return `${range.from}T00:00:00Z,${end.toISOString().slice(0, 19)}Z`;
}

/**
 * Fetches the container-level (unaggregated) allocations of `range`, one set per day: the only
 * query needed, since namespace and cost-center series are sums of the same allocations.
 */
export async function fetchDailyAllocations(
  fetchAllocations: FetchAllocations,
  range: { from: IsoDay; to: IsoDay },
  source: string,
): Promise<AllocationResponse[]> {
  const body = await fetchAllocations({ window: dailyWindow(range), step: '1d' });
  return [{ source, body }];
}
