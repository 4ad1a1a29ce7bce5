import {
  type CostDayEvaluation,
  DEFAULT_COST_DETECTOR_CONFIG,
  evaluateCostSeries,
} from '#shared/detect/cost-detector';
import { moneyToNumber } from '#shared/money';
import { type FixtureOptions, fixtureSeries } from './series-fixture';

const anomalousDays = (days: CostDayEvaluation[]) =>
  days.filter((day) => day.isAnomaly).map((day) => day.day);

describe('evaluateCostSeries', () => {
  it.each<[string, FixtureOptions, string[]]>([
    ['raises nothing when only weekly seasonality and noise are present', {}, []],
    [
      'flags a one-day spike on its day only when the day triples',
      { edit: (i, v) => (i === 50 ? v * 3 : v) },
      ['2026-04-21'],
    ],
    [
      'flags a two-day spike on both days when the cost doubles',
      { edit: (i, v) => (i === 50 || i === 51 ? v * 2 : v) },
      ['2026-04-21', '2026-04-22'],
    ],
    [
      'raises nothing when the monthly fee on the 1st recurs',
      { days: 100, edit: (_i, v, day) => (day.endsWith('-01') ? v + 4000 : v) },
      [],
    ],
    ['raises nothing for a credit (negative day)', { edit: (i, v) => (i === 45 ? -800 : v) }, []],
    ['raises nothing for a refund that lowers the day', { edit: (i, v) => (i === 45 ? v - 700 : v) }, []],
    [
      'raises nothing for a holiday dip or the day after it',
      { edit: (i, v) => (i === 44 ? v * 0.1 : v) },
      [],
    ],
    ['raises nothing when the cost drops for good', { edit: (i, v) => (i >= 40 ? v * 0.5 : v) }, []],
    [
      'raises nothing when the cost grows steadily by 1% a day',
      { days: 90, edit: (i, v) => v * 1.01 ** i },
      [],
    ],
    [
      'raises nothing when a week-long lull ends (holidays between two years)',
      { edit: (i, v) => (i >= 40 && i < 47 ? v * 0.3 : v) },
      [],
    ],
  ])('%s', (_name, options, expectedDays) => {
    // Prepare
    const points = fixtureSeries(options);
    // Act
    const days = evaluateCostSeries(points);
    // Assess
    expect(anomalousDays(days)).toEqual(expectedDays);
  });

  it.each<[string, FixtureOptions, string]>([
    ['flags a level shift on its first day', { edit: (i, v) => (i >= 50 ? v + 1500 : v) }, '2026-04-21'],
    [
      'flags a ramp over two weeks within its first days',
      { edit: (i, v) => (i >= 50 ? v + 150 * (i - 49) : v) },
      '2026-04-2',
    ],
    [
      'flags a new cost appearing in a near-zero series',
      { weekday: 2, weekend: 2, edit: (i, v) => (i >= 50 ? v + 400 : v) },
      '2026-04-21',
    ],
  ])('%s', (_name, options, firstDayPrefix) => {
    // Prepare
    const points = fixtureSeries(options);
    // Act
    const flagged = anomalousDays(evaluateCostSeries(points));
    // Assess
    expect(flagged[0]?.startsWith(firstDayPrefix)).toBe(true);
  });

  it('accepts a level shift as the new normal after a few days', () => {
    // Prepare
    const points = fixtureSeries({ days: 80, edit: (i, v) => (i >= 50 ? v * 3 : v) });
    // Act
    const flagged = anomalousDays(evaluateCostSeries(points));
    // Assess
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.length).toBeLessThanOrEqual(DEFAULT_COST_DETECTOR_CONFIG.shiftConfirmDays);
    expect(flagged.every((day) => day < '2026-04-28')).toBe(true);
  });

  it.each<[string, FixtureOptions, number, string]>([
    [
      'scores a provisional spike but does not alert it',
      { days: 51, provisionalFrom: 50, edit: (i, v) => (i === 50 ? v * 3 : v) },
      50,
      'provisional',
    ],
    [
      'does not alert before the minimum history',
      { edit: (i, v) => (i === 6 ? v * 5 : v) },
      6,
      'insufficient-history',
    ],
    [
      'gates a statistically clear spike below the money minimum',
      { weekday: 10, weekend: 10, edit: (i, v) => (i === 50 ? v * 4 : v) },
      50,
      'below-materiality',
    ],
    [
      'gates a statistically clear spike below the percent minimum',
      { weekday: 100_000, weekend: 100_000, noise: 0.001, edit: (i, v) => (i === 50 ? v * 1.1 : v) },
      50,
      'below-materiality',
    ],
    [
      'treats a new charge on the 1st as a possible recurring charge when earlier months had none',
      { start: '2026-03-02', days: 62, edit: (_i, v, day) => (day === '2026-05-01' ? v + 4000 : v) },
      60,
      'possible-recurring-charge',
    ],
    [
      'explains the first month-start charge as a possible recurring charge',
      { start: '2026-03-10', days: 40, edit: (_i, v, day) => (day === '2026-04-01' ? v + 4000 : v) },
      22,
      'possible-recurring-charge',
    ],
  ])('%s', (_name, options, index, verdict) => {
    // Prepare
    const points = fixtureSeries(options);
    // Act
    const day = evaluateCostSeries(points)[index];
    // Assess
    expect(day?.verdict).toBe(verdict);
    expect(day?.isAnomaly).toBe(false);
  });

  // Mondays ran 8–12% below the other weekdays for nine weeks (a weekday factor fitted on about
  // five samples); day 63 is a Monday. Materiality is measured from an ordinary day too.
  const quietMondays = (factor: number, last: number) => (i: number, v: number) =>
    i % 7 === 0 ? v * (i === 63 ? last : factor) : v;
  it.each<[string, FixtureOptions, boolean]>([
    [
      'raises nothing when a weekday the profile rates quiet costs what an ordinary day costs',
      { days: 64, edit: quietMondays(0.88, 1.08) },
      false,
    ],
    [
      'raises nothing when a noisy quiet weekday costs a little more than an ordinary day',
      { days: 64, noise: 0.06, edit: quietMondays(0.9, 1.1) },
      false,
    ],
    [
      'flags a weekday the profile rates quiet when it costs materially more than an ordinary day',
      { days: 64, edit: quietMondays(0.88, 1.5) },
      true,
    ],
  ])('%s', (_name, options, expected) => {
    // Prepare
    const points = fixtureSeries(options);
    // Act
    const day = evaluateCostSeries(points)[63];
    // Assess
    expect(day?.day).toBe('2026-05-04');
    expect(day?.isAnomaly).toBe(expected);
  });

  it('reports expected, band, impact and severity of an anomalous day', () => {
    // Prepare
    const points = fixtureSeries({ edit: (i, v) => (i === 50 ? v + 3000 : v) });
    // Act
    const day = evaluateCostSeries(points)[50];
    // Assess
    expect(day?.isAnomaly).toBe(true);
    expect(moneyToNumber(day?.expected ?? 0n)).toBeGreaterThan(900);
    expect(moneyToNumber(day?.expected ?? 0n)).toBeLessThan(1100);
    expect(day?.expectedLow ?? 0n).toBeLessThan(day?.expected ?? 0n);
    expect(day?.expectedHigh ?? 0n).toBeGreaterThan(day?.expected ?? 0n);
    expect(day?.impact).toBe((day?.actual ?? 0n) - (day?.expected ?? 0n));
    expect(day?.impactPercent).toBeGreaterThan(250);
    expect(day?.severity).toBe('high');
    expect(day?.score).toBeGreaterThan(0.9);
  });

  it('gives the same output for a prefix whether or not later days exist', () => {
    // Prepare
    const full = fixtureSeries({ days: 90, edit: (i, v) => (i >= 60 ? v * 2 : v) });
    // Act
    const whole = evaluateCostSeries(full);
    const prefix = evaluateCostSeries(full.slice(0, 65));
    // Assess
    expect(whole.slice(0, 65)).toEqual(prefix);
  });
});
