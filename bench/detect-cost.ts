import {
  type CostDayEvaluation,
  type CostDetectorConfig,
  DAY_VERDICTS,
  DEFAULT_COST_DETECTOR_CONFIG,
  epochDay,
  evaluateDailyValues,
  isoDayOf,
} from '#shared/detect/cost-detector';
import { segmentEpisodes } from '#shared/detect/episodes';
import { RobustScratch } from '#shared/detect/robust-stats';
import { numberToMoney } from '#shared/money';

/**
 * A seeded generator of labelled daily cost series and the event-level evaluation of the cost
 * detector on them: bills' phenomena (weekly seasonality, trends, monthly fees on the 1st,
 * credits, holidays) plus four kinds of injected increases (spike, level shift, ramp, new cost).
 */

/** Kinds of injected incidents. */
export type IncidentKind = 'spike' | 'level-shift' | 'ramp' | 'new-cost';

/** One labelled series. */
export interface LabelledSeries {
  firstEpochDay: number;
  values: Float64Array;
  incident?: { kind: IncidentKind; start: number; end: number };
  feeDays: Set<number>;
  creditDays: Set<number>;
  holidayDays: Set<number>;
}

/** Park–Miller generator. */
function random(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

const HOLIDAYS = ['01-01', '05-25', '07-04', '09-07', '11-26', '12-25'];

/** Generates `count` series of `days` days starting 2026-01-05 (a Monday). `incidentShare` get one incident. */
export function generateLabelledSeries(
  seed: number,
  count: number,
  days = 180,
  incidentShare = 0.7,
): LabelledSeries[] {
  const rnd = random(seed);
  const first = epochDay('2026-01-05');
  const kinds: IncidentKind[] = ['spike', 'level-shift', 'ramp', 'new-cost'];
  const out: LabelledSeries[] = [];
  for (let s = 0; s < count; s += 1) {
    const hasIncident = rnd() < incidentShare;
    const kind = kinds[Math.floor(rnd() * kinds.length)] as IncidentKind;
    const newCost = hasIncident && kind === 'new-cost';
    const level = newCost ? 0.5 + rnd() * 2 : 200 * 100 ** rnd();
    const weekendFactor = rnd() < 0.5 ? 1 : 0.4 + rnd() * 0.5;
    const noise = 0.02 + rnd() * 0.06;
    const trend = -0.001 + rnd() * 0.004;
    const fee = rnd() < 0.4 ? level * (0.5 + rnd() * 4.5) : 0;
    const holidays = rnd() < 0.6;
    const credit = rnd() < 0.3;
    const values = new Float64Array(days);
    const feeDays = new Set<number>();
    const creditDays = new Set<number>();
    const holidayDays = new Set<number>();
    const start = 60 + Math.floor(rnd() * (days - 75));
    let end = start;
    let magnitude = 0;
    if (hasIncident) {
      if (kind === 'spike') {
        end = start + Math.floor(rnd() * 3);
        magnitude = 0.6 + rnd() * 2.4;
      } else if (kind === 'level-shift') {
        end = Math.min(days - 1, start + 14);
        magnitude = 0.4 + rnd() * 1.6;
      } else if (kind === 'ramp') {
        end = Math.min(days - 1, start + 7 + Math.floor(rnd() * 14));
        magnitude = 0.6 + rnd() * 1.4;
      } else {
        end = Math.min(days - 1, start + 14);
        magnitude = 100 + rnd() * 900;
      }
    }
    const creditDay = credit ? 20 + Math.floor(rnd() * (days - 25)) : -1;
    for (let i = 0; i < days; i += 1) {
      const date = new Date((first + i) * 86_400_000);
      const dow = date.getUTCDay();
      const mmdd = date.toISOString().slice(5, 10);
      let value = level * (1 + trend * i) * (dow === 0 || dow === 6 ? weekendFactor : 1);
      if (holidays && HOLIDAYS.includes(mmdd)) {
        value *= 0.3 + rnd() * 0.3;
        holidayDays.add(i);
      }
      value *= 1 + noise * (2 * rnd() - 1);
      if (hasIncident && i >= start) {
        const base = level * (1 + trend * i);
        if (kind === 'spike' && i <= end) value += base * magnitude;
        if (kind === 'level-shift') value += base * magnitude;
        if (kind === 'ramp') value += base * magnitude * Math.min(1, (i - start + 1) / (end - start + 1));
        if (kind === 'new-cost') value += magnitude * (1 + noise * (2 * rnd() - 1));
      }
      if (fee > 0 && date.getUTCDate() === 1) {
        value += fee;
        feeDays.add(i);
      }
      if (i === creditDay) {
        value -= level * (1 + rnd() * 3);
        creditDays.add(i);
      }
      values[i] = Math.round(value * 100) / 100;
    }
    out.push({
      firstEpochDay: first,
      values,
      ...(hasIncident ? { incident: { kind, start, end } } : {}),
      feeDays,
      creditDays,
      holidayDays,
    });
  }
  return out;
}

/** Event-level results of the cost detector on labelled series. */
export interface CostBenchmarkResult {
  series: number;
  incidents: number;
  detected: number;
  alerts: number;
  truePositiveAlerts: number;
  precision: number;
  recall: number;
  f1: number;
  alertsPerDetectedIncident: number;
  medianDelayDays: number;
  falseAlarmsByCause: Record<'recurring-fee' | 'credit' | 'holiday' | 'weekend' | 'none', number>;
  recallByKind: Record<IncidentKind, string>;
}

/**
 * Runs the detector on every series, segments episodes (one alert per episode), and matches
 * alerts to incidents: an alert is a true positive when it opens between the incident's start
 * and 3 days after its end; other alerts are false alarms, attributed to the phenomenon of their
 * first day (fee day, credit or the day after, holiday or the day after, weekend or Monday).
 */
export function evaluateCostBenchmark(
  series: readonly LabelledSeries[],
  config: CostDetectorConfig = DEFAULT_COST_DETECTOR_CONFIG,
): CostBenchmarkResult {
  const scratch = new RobustScratch();
  const falseAlarmsByCause: CostBenchmarkResult['falseAlarmsByCause'] = {
    'recurring-fee': 0,
    credit: 0,
    holiday: 0,
    weekend: 0,
    none: 0,
  };
  const perKind: Record<IncidentKind, { total: number; hit: number }> = {
    spike: { total: 0, hit: 0 },
    'level-shift': { total: 0, hit: 0 },
    ramp: { total: 0, hit: 0 },
    'new-cost': { total: 0, hit: 0 },
  };
  let incidents = 0;
  let detected = 0;
  let alerts = 0;
  let truePositiveAlerts = 0;
  const delays: number[] = [];
  for (const labelled of series) {
    const result = evaluateDailyValues(labelled.firstEpochDay, labelled.values, undefined, config, scratch);
    const days: CostDayEvaluation[] = Array.from(labelled.values, (value, i) => {
      const verdict = DAY_VERDICTS[result.verdict[i] as number] ?? 'normal';
      return {
        day: isoDayOf(labelled.firstEpochDay + i),
        actual: 0n,
        expected: 0n,
        expectedLow: 0n,
        expectedHigh: 0n,
        impact: numberToMoney(Math.round((value - (result.expected[i] as number)) * 100) / 100),
        impactPercent: 0,
        score: result.score[i] as number,
        severity: 'low',
        isAnomaly: verdict === 'anomaly',
        verdict,
        provisional: false,
      };
    });
    const episodes = segmentEpisodes({ seriesKey: 'bench', currency: 'USD' }, days, {
      monitor: 'bench',
      closeAfterNormalDays: 3,
    });
    const incident = labelled.incident;
    if (incident) {
      incidents += 1;
      perKind[incident.kind].total += 1;
    }
    let hit = false;
    for (const episode of episodes) {
      alerts += 1;
      const start = epochDay(episode.startDay) - labelled.firstEpochDay;
      if (incident && start >= incident.start && start <= incident.end + 3) {
        truePositiveAlerts += 1;
        if (!hit) delays.push(start - incident.start);
        hit = true;
        continue;
      }
      const dow = new Date((labelled.firstEpochDay + start) * 86_400_000).getUTCDay();
      if (labelled.feeDays.has(start)) falseAlarmsByCause['recurring-fee'] += 1;
      else if (labelled.creditDays.has(start) || labelled.creditDays.has(start - 1))
        falseAlarmsByCause.credit += 1;
      else if (labelled.holidayDays.has(start) || labelled.holidayDays.has(start - 1))
        falseAlarmsByCause.holiday += 1;
      else if (dow === 0 || dow === 6 || dow === 1) falseAlarmsByCause.weekend += 1;
      else falseAlarmsByCause.none += 1;
    }
    if (hit && incident) {
      detected += 1;
      perKind[incident.kind].hit += 1;
    }
  }
  const precision = alerts === 0 ? 1 : truePositiveAlerts / alerts;
  const recall = incidents === 0 ? 1 : detected / incidents;
  delays.sort((a, b) => a - b);
  const recallByKind = Object.fromEntries(
    Object.entries(perKind).map(([kind, { total, hit }]) => [kind, `${hit}/${total}`]),
  ) as Record<IncidentKind, string>;
  return {
    series: series.length,
    incidents,
    detected,
    alerts,
    truePositiveAlerts,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    alertsPerDetectedIncident: detected === 0 ? 0 : truePositiveAlerts / detected,
    medianDelayDays: delays.length === 0 ? Number.NaN : (delays[delays.length >> 1] as number),
    falseAlarmsByCause,
    recallByKind,
  };
}

/**
 * Times scoring `count` series × `days` days (every day of every series) on this thread: wall
 * time and CPU time of the scoring calls (CPU time is what one core spends, even on a busy host).
 */
export function measureCostSpeed(
  count: number,
  days = 180,
  seed = 42,
): { series: number; days: number; wallSeconds: number; cpuSeconds: number } {
  const templates = generateLabelledSeries(seed, 1000, days);
  const scratch = new RobustScratch();
  const startedCpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let s = 0; s < count; s += 1) {
    const template = templates[s % templates.length] as LabelledSeries;
    evaluateDailyValues(
      template.firstEpochDay,
      template.values,
      undefined,
      DEFAULT_COST_DETECTOR_CONFIG,
      scratch,
    );
  }
  const wall = process.hrtime.bigint() - started;
  const used = process.cpuUsage(startedCpu);
  const cpu = used.user + used.system;
  return { series: count, days, wallSeconds: Number(wall) / 1e9, cpuSeconds: cpu / 1e6 };
}
