import { detectPeriod, GenericDetector, scoreGenericSeries } from '#shared/detect/generic-detector';
import { seededRandom } from './series-fixture';

/** A daily-shaped 5-minute series (period 288) with noise, optionally with an injected edit. */
function periodic(rows: number, edit: (i: number, v: number) => number = (_i, v) => v): number[] {
  const random = seededRandom(3);
  return Array.from({ length: rows }, (_unused, i) =>
    edit(i, 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 2 * (random() - 0.5)),
  );
}

describe('detectPeriod', () => {
  it('finds the daily period of 5-minute rows to within one row', () => {
    // Act
    const period = detectPeriod(periodic(2000), 600);
    // Assess
    expect(Math.abs((period ?? 0) - 288)).toBeLessThanOrEqual(1);
  });

  it.each([
    ['white noise', Array.from({ length: 2000 }, seededRandom(5))],
    ['a constant series', Array.from({ length: 500 }, () => 7)],
  ])('finds no period in %s', (_name, values) => {
    // Act / Assess
    expect(detectPeriod(values, 600)).toBeUndefined();
  });
});

describe('GenericDetector', () => {
  it.each([
    ['a spike', (i: number, v: number) => (i === 1500 ? v + 80 : v)],
    ['a level drop', (i: number, v: number) => (i >= 1500 ? v - 40 : v)],
    ['a flattened day', (i: number, v: number) => (i >= 1500 && i < 1700 ? 50 : v)],
  ])('scores %s as the most surprising row of the series', (_name, edit) => {
    // Prepare
    const values = periodic(2000, edit);
    // Act
    const scores = scoreGenericSeries(values).map((s) => s.score);
    // Assess
    const top = scores.indexOf(Math.max(...scores));
    expect(top).toBeGreaterThanOrEqual(1500);
    expect(top).toBeLessThan(1520);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
  });

  it('flags the spike with its own decision rule and stays quiet on the normal days', () => {
    // Prepare
    const values = periodic(2000, (i, v) => (i === 1500 ? v + 80 : v));
    // Act
    const flagged = scoreGenericSeries(values)
      .map((s, i) => (s.isAnomaly ? i : -1))
      .filter((i) => i >= 0);
    // Assess
    expect(flagged).toEqual([1500]);
  });

  it('gives every row the same output whether or not later rows exist', () => {
    // Prepare
    const values = periodic(1200, (i, v) => (i === 900 ? v + 60 : v));
    const whole = new GenericDetector();
    const prefix = new GenericDetector();
    // Act
    const all = values.map((v) => whole.push(v));
    const first = values.slice(0, 950).map((v) => prefix.push(v));
    // Assess
    expect(all.slice(0, 950)).toEqual(first);
  });

  it('mutes the rows right after a high score when a second spike follows within restRows', () => {
    // Prepare
    const values = periodic(2000, (i, v) => (i === 1500 || i === 1505 ? v + 80 : v));
    // Act
    const scores = scoreGenericSeries(values).map((s) => s.score);
    // Assess
    expect(scores[1500]).toBeGreaterThan(0.5);
    expect(scores[1505]).toBe(0);
  });

  it('scores a never-seen move between levels when the value stays inside the seen range', () => {
    // Prepare: a square wave between 20 and 80 (the range), then one row at 50, a new level
    const values = Array.from({ length: 2000 }, (_unused, i) => (i === 1500 ? 50 : i % 20 < 10 ? 20 : 80));
    // Act
    const scores = scoreGenericSeries(values).map((s) => s.score);
    const withoutTransitions = scoreGenericSeries(values, { transitionWeight: 0 }).map((s) => s.score);
    // Assess
    expect(scores.indexOf(Math.max(...scores))).toBe(1500);
    expect(scores[1500]).toBeGreaterThanOrEqual(withoutTransitions[1500] as number);
    expect(scores.filter((s) => s > 0.3)).toHaveLength(1);
  });

  it('gives the same rows for a prefix of a long stream after old rows are dropped', () => {
    // Prepare: longer than the 4096 values (×2) the detector keeps
    const values = periodic(12_000, (i, v) => (i === 11_000 ? v + 60 : v));
    // Act
    const all = scoreGenericSeries(values);
    const first = scoreGenericSeries(values.slice(0, 11_500));
    // Assess
    expect(all.slice(0, 11_500)).toEqual(first);
    expect(all[11_000]?.isAnomaly).toBe(true);
  });
});
