import { type CostAnomalyDetected, CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import type { CostStore } from '#shared/cost/cost-store-port';
import { parseSeriesKey, type SeriesRef } from '#shared/cost/series-key';
import type { AnomalyStore, StoredAnomaly } from '#shared/detect/anomaly-store-port';
import {
  COST_DETECTOR_VERSION,
  type CostDayEvaluation,
  type CostDetectorConfig,
  DEFAULT_COST_DETECTOR_CONFIG,
  epochDay,
  evaluateCostSeries,
  isoDayOf,
} from '#shared/detect/cost-detector';
import {
  DEFAULT_CLOSE_AFTER_NORMAL_DAYS,
  type Episode,
  segmentEpisodes,
  severityAbove,
} from '#shared/detect/episodes';
import { feedbackSuppression } from '#shared/detect/feedback-policy';
import { DEFAULT_MONITORS, detectorConfigFor, type MonitorConfig, monitorFor } from '#shared/detect/monitors';
import {
  DEFAULT_ROOT_CAUSE_OPTIONS,
  type RankedContributor,
  rankContributors,
} from '#shared/detect/root-cause';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import { formatMoney, moneyToNumber } from '#shared/money';
import type { LogSink } from '#shared/observability';

/** Settings of a detection run. */
export interface DetectionConfig {
  detector: CostDetectorConfig;
  monitors: readonly MonitorConfig[];
  /** Days of history loaded before the evaluated range (baseline, recurring charges). */
  historyDays: number;
  closeAfterNormalDays: number;
  /**
   * A series' new episode is not announced when a more actionable series is anomalous the same
   * day with at least this share of its impact (it explains the change). More actionable = an
   * owner dimension (cost center > namespace/tag > account > service > other > total), then the
   * narrower series (smaller expected cost). So one incident raises one alert, on its owner.
   */
  coverageShare: number;
}

/** Defaults: CAD-like monitors, 120 days of history (covers three month-starts), 80% coverage. */
export const DEFAULT_DETECTION_CONFIG: DetectionConfig = {
  detector: DEFAULT_COST_DETECTOR_CONFIG,
  monitors: DEFAULT_MONITORS,
  historyDays: 120,
  closeAfterNormalDays: DEFAULT_CLOSE_AFTER_NORMAL_DAYS,
  coverageShare: 0.8,
};

/** What runDetection did. */
export interface DetectionSummary {
  range: { from: IsoDay; to: IsoDay };
  seriesEvaluated: number;
  daysEvaluated: number;
  episodesOpened: number;
  episodesUpdated: number;
  /** Details of the events published, in order. */
  published: CostAnomalyDetected[];
  suppressed: Array<{ anomalyId: string; reason: string; by: string }>;
}

/** Adapters and inputs of runDetection. */
export interface RunDetectionInput {
  costStore: Pick<CostStore, 'listSeries' | 'readSeries'>;
  anomalyStore: AnomalyStore;
  publish: PublishEvents;
  now: Date;
  /** Days whose anomalies are (re)considered, inclusive; default the 7 days up to `now`. */
  range?: { from: IsoDay; to: IsoDay };
  config?: Partial<DetectionConfig>;
  logger?: LogSink;
}

interface SeriesResult {
  ref: SeriesRef;
  monitor: MonitorConfig;
  points: CostPoint[];
  evaluations: CostDayEvaluation[];
  byDay: Map<IsoDay, CostDayEvaluation>;
  episodes: Episode[];
}

/**
 * Evaluates every monitored series active in the range, segments episodes, suppresses the
 * ones a narrower series or feedback explains, stores them and publishes `Cost Anomaly
 * Detected` for episodes that opened or whose severity rose. Idempotent: a re-run on the same
 * data finds every episode already stored at the same severity and publishes nothing.
 */
export async function runDetection(input: RunDetectionInput): Promise<DetectionSummary> {
  const config: DetectionConfig = { ...DEFAULT_DETECTION_CONFIG, ...input.config };
  const today = isoDayOf(Math.floor(input.now.getTime() / 86_400_000));
  const range = input.range ?? { from: isoDayOf(epochDay(today) - 6), to: today };
  const loadFrom = isoDayOf(epochDay(range.from) - config.historyDays);
  const refs = await input.costStore.listSeries({ activeSince: range.from });
  const results: SeriesResult[] = [];
  let daysEvaluated = 0;
  for (const ref of refs) {
    const monitor = monitorFor(ref.seriesKey, config.monitors);
    if (!monitor) continue;
    const points = await input.costStore.readSeries(ref, { from: loadFrom, to: range.to });
    const evaluations = evaluateCostSeries(points, detectorConfigFor(monitor, config.detector));
    daysEvaluated += evaluations.length;
    const episodes = segmentEpisodes(ref, evaluations, {
      monitor: monitor.name,
      closeAfterNormalDays: config.closeAfterNormalDays,
    }).filter((episode) => episode.lastDay >= range.from);
    results.push({
      ref,
      monitor,
      points,
      evaluations,
      byDay: new Map(evaluations.map((day) => [day.day, day])),
      episodes,
    });
  }

  const summary: DetectionSummary = {
    range,
    seriesEvaluated: results.length,
    daysEvaluated,
    episodesOpened: 0,
    episodesUpdated: 0,
    published: [],
    suppressed: [],
  };
  const detectedAt = input.now.toISOString();
  for (const result of results) {
    const feedback = result.episodes.length > 0 ? await input.anomalyStore.listFeedback(result.ref) : [];
    for (const episode of result.episodes) {
      const stored = await input.anomalyStore.getAnomaly(episode.anomalyId);
      const explainedBy = stored
        ? undefined
        : narrowerExplanation(episode, result, results, config.coverageShare);
      const feedbackMatch = feedbackSuppression(episode, feedback);
      const suppression =
        stored?.suppression ??
        (explainedBy
          ? { reason: 'explained-by-another-series' as const, by: explainedBy }
          : feedbackMatch
            ? { reason: 'feedback' as const, by: `${feedbackMatch.kind}:${feedbackMatch.anomalyId}` }
            : undefined);
      const trigger = suppression
        ? undefined
        : !stored?.notifiedSeverity
          ? 'opened'
          : severityAbove(episode.severity, stored.notifiedSeverity)
            ? 'severity-raised'
            : undefined;
      const contributorDay =
        trigger === 'severity-raised' ? episode.latest : result.byDay.get(episode.startDay);
      const contributors =
        trigger !== undefined || !stored
          ? rankContributors(
              result.points,
              contributorDay?.day ?? episode.startDay,
              contributorDay?.impact ?? episode.latest.impact,
              DEFAULT_ROOT_CAUSE_OPTIONS,
            )
          : stored.contributors;
      const next: StoredAnomaly = {
        episode,
        contributors,
        ...(trigger
          ? { notifiedSeverity: episode.severity }
          : stored?.notifiedSeverity
            ? { notifiedSeverity: stored.notifiedSeverity }
            : {}),
        ...(suppression ? { suppression } : {}),
        detectorVersion: COST_DETECTOR_VERSION,
        detectedAt: stored?.detectedAt ?? detectedAt,
        updatedAt: detectedAt,
        version: (stored?.version ?? 0) + 1,
      };
      if (stored && !trigger && sameEpisode(stored, next)) continue;
      if (trigger) {
        const detail = eventDetail(next, trigger, detectedAt);
        // Publish before storing: a failed put re-publishes on retry (consumers dedupe by anomalyId + severity).
        await input.publish([outgoing(CostAnomalyDetectedEvent, detail)]);
        summary.published.push(detail);
      }
      await input.anomalyStore.putAnomaly(next, stored?.version);
      if (stored) summary.episodesUpdated += 1;
      else summary.episodesOpened += 1;
      if (suppression && !stored) summary.suppressed.push({ anomalyId: episode.anomalyId, ...suppression });
    }
  }
  input.logger?.info('cost anomaly detection finished', {
    range,
    seriesEvaluated: summary.seriesEvaluated,
    episodesOpened: summary.episodesOpened,
    published: summary.published.length,
    suppressed: summary.suppressed.length,
  });
  return summary;
}

/** The key of a more actionable anomalous series (same currency, same day) that explains the episode's start. */
function narrowerExplanation(
  episode: Episode,
  own: SeriesResult,
  all: readonly SeriesResult[],
  coverageShare: number,
): string | undefined {
  const day = own.byDay.get(episode.startDay);
  if (!day) return undefined;
  const impact = moneyToNumber(day.impact);
  const expected = moneyToNumber(day.expected);
  let best: { key: string; expected: number; rank: number } | undefined;
  // Owner dimensions first (a cost center is who acts on it), then the narrower series.
  const narrower = (a: { expected: number; rank: number }, b: { expected: number; rank: number }) =>
    a.rank > b.rank || (a.rank === b.rank && a.expected < b.expected);
  const self = { expected, rank: ownershipRank(own.ref.seriesKey) };
  for (const other of all) {
    if (other === own || other.ref.currency !== own.ref.currency) continue;
    const candidate = other.byDay.get(episode.startDay);
    if (!candidate?.isAnomaly) continue;
    const entry = {
      key: other.ref.seriesKey,
      expected: moneyToNumber(candidate.expected),
      rank: ownershipRank(other.ref.seriesKey),
    };
    if (!narrower(entry, self)) continue;
    if (moneyToNumber(candidate.impact) < coverageShare * impact) continue;
    if (!best || narrower(entry, best)) best = entry;
  }
  return best?.key;
}

/**
 * Among series of the same size (the same resources), the one naming an owner is the most
 * actionable: cost centers, then namespaces, accounts, services, then anything else.
 */
function ownershipRank(seriesKey: string): number {
  const dimension = seriesKey.split('=')[0] ?? '';
  if (dimension.endsWith('cost-center')) return 5;
  if (dimension.startsWith('tag:') || dimension === 'k8s-namespace') return 4;
  if (dimension === 'account') return 3;
  if (dimension === 'service') return 2;
  return dimension === 'total' ? 0 : 1;
}

function sameEpisode(a: StoredAnomaly, b: StoredAnomaly): boolean {
  return (
    a.episode.lastDay === b.episode.lastDay &&
    a.episode.status === b.episode.status &&
    a.episode.cumulativeImpact === b.episode.cumulativeImpact &&
    a.episode.severity === b.episode.severity
  );
}

/** The `Cost Anomaly Detected` detail of a stored episode. */
export function eventDetail(
  anomaly: StoredAnomaly,
  trigger: CostAnomalyDetected['trigger'],
  detectedAt: string,
): CostAnomalyDetected {
  const { episode, contributors } = anomaly;
  const { dimension, value } = parseSeriesKey(episode.seriesKey);
  const latest = episode.latest;
  return {
    schemaVersion: CostAnomalyDetectedEvent.schemaVersion,
    anomalyId: episode.anomalyId,
    trigger,
    series: { key: episode.seriesKey, currency: episode.currency, dimension, value },
    startDay: episode.startDay,
    lastDay: episode.lastDay,
    status: episode.status,
    durationDays: episode.durationDays,
    actual: formatMoney(latest.actual),
    expected: formatMoney(latest.expected),
    expectedLow: formatMoney(latest.expectedLow),
    expectedHigh: formatMoney(latest.expectedHigh),
    impact: formatMoney(latest.impact),
    impactPercent: latest.impactPercent,
    cumulativeImpact: formatMoney(episode.cumulativeImpact),
    score: latest.score,
    maxScore: episode.maxScore,
    severity: episode.severity,
    contributors: contributors.map(toEventContributor),
    monitor: episode.monitor,
    detectorVersion: anomaly.detectorVersion,
    detectedAt,
  };
}

function toEventContributor(contributor: RankedContributor): CostAnomalyDetected['contributors'][number] {
  return {
    dimension: contributor.dimension,
    value: contributor.value,
    actual: formatMoney(contributor.actual),
    expected: formatMoney(contributor.expected),
    delta: formatMoney(contributor.delta),
    share: contributor.share,
  };
}
