import type { IsoDay } from '#shared/cost/cost-point';
import { epochDay } from '#shared/detect/cost-detector';
import { type Money, moneyToNumber } from '#shared/money';

/** What a person said about an anomaly. */
export type FeedbackKind = 'expected' | 'false-positive' | 'planned';

/** Feedback stored beside an anomaly and read per series to suppress later alerts. */
export interface FeedbackRecord {
  anomalyId: string;
  seriesKey: string;
  currency: string;
  kind: FeedbackKind;
  /** Inclusive last day of a planned/expected window; absent = the default similarity horizon. */
  until?: IsoDay;
  /** Start day and peak impact of the anomaly the feedback is about (for "similar" matching). */
  anomalyStartDay: IsoDay;
  anomalyPeakImpact: Money;
  note?: string;
  recordedBy?: string;
  recordedAt: string;
}

/** How long a false-positive/expected verdict keeps suppressing similar episodes (days). */
export const SIMILARITY_HORIZON_DAYS = 90;
/** An episode is "similar" when its peak impact is at most this multiple of the judged anomaly's. */
export const SIMILAR_IMPACT_RATIO = 1.5;

/**
 * Whether feedback on a series suppresses a new episode's alert. `planned` (or any kind with
 * `until`): episodes starting from the judged anomaly's start through `until`.
 * `false-positive`/`expected` without `until`: episodes within 90 days whose peak impact is at
 * most 1.5× the judged one (the same pattern again); a bigger incident still alerts.
 */
export function feedbackSuppression(
  episode: { anomalyId: string; startDay: IsoDay; peakImpact: Money },
  feedback: readonly FeedbackRecord[],
): FeedbackRecord | undefined {
  const start = epochDay(episode.startDay);
  return feedback.find((record) => {
    if (record.anomalyId === episode.anomalyId) return true;
    const from = epochDay(record.anomalyStartDay);
    if (start < from) return false;
    if (record.until !== undefined) return start <= epochDay(record.until);
    if (record.kind === 'planned') return false;
    return (
      start - from <= SIMILARITY_HORIZON_DAYS &&
      moneyToNumber(episode.peakImpact) <= SIMILAR_IMPACT_RATIO * moneyToNumber(record.anomalyPeakImpact)
    );
  });
}
