import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatMoney, parseMoney, sumMoney } from '#shared/money';
import {
  FOCUS_COLUMNS,
  generateFocusSample,
  renderFocusSample,
  SAMPLE_DEFAULTS,
  SAMPLE_INCIDENT,
} from '../../../samples/billing/generate-focus-sample';

const repoRoot = path.resolve(__dirname, '../../..');
const foundationSample = path.resolve(
  repoRoot,
  '..',
  'shared/data/focus/focus-1.0-finops-foundation/focus_sample_aws.csv',
);

/** Quote-aware split of one CSV line (the sample has no newlines inside fields). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

type SampleRow = Record<string, string>;
function parseSample(text: string): { header: string[]; rows: SampleRow[] } {
  const [headerLine = '', ...lines] = text
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\n');
  const header = splitCsvLine(headerLine);
  const rows = lines.map((line) =>
    Object.fromEntries(splitCsvLine(line).map((value, index) => [header[index], value])),
  );
  return { header, rows };
}

const day = (row: SampleRow) => (row.ChargePeriodStart ?? '').slice(0, 10);
const costCenter = (row: SampleRow) =>
  row.Tags === 'NULL' ? undefined : JSON.parse(row.Tags ?? '{}')['cost-center'];
const isWeekend = (isoDay: string) => [0, 6].includes(new Date(`${isoDay}T00:00:00Z`).getUTCDay());
const total = (rows: SampleRow[]) => sumMoney(rows.map((row) => parseMoney(row.EffectiveCost ?? '0')));

const defaultText = renderFocusSample({});
const { header, rows } = parseSample(defaultText);

describe('renderFocusSample', () => {
  it('produces identical bytes when rendered twice with the same seed', () => {
    // Act
    const again = renderFocusSample({ seed: SAMPLE_DEFAULTS.seed });

    // Assess
    expect(again).toBe(defaultText);
  });

  it('produces different noise but the same incident when the seed differs', () => {
    // Act
    const other = renderFocusSample({ seed: 7 });

    // Assess
    expect(other).not.toBe(defaultText);
    expect(parseSample(other).rows.filter((row) => row.ResourceName === 'image-captioner')).toHaveLength(
      rows.filter((row) => row.ResourceName === 'image-captioner').length,
    );
  });

  it('has the columns of the FinOps Foundation AWS sample, a BOM and the NULL and timestamp style', () => {
    // Prepare
    const foundationHeader = splitCsvLine(
      readFileSync(foundationSample, 'utf8')
        .replace(/^\uFEFF/, '')
        .split('\n')[0] ?? '',
    );

    // Assess
    expect(header).toEqual(foundationHeader);
    expect(header).toEqual([...FOCUS_COLUMNS]);
    expect(defaultText.startsWith('\uFEFF')).toBe(true);
    expect(
      rows.every((row) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(row.ChargePeriodStart ?? '')),
    ).toBe(true);
    expect(rows.every((row) => row.ChargeClass === 'NULL')).toBe(true);
  });

  it('covers at least 90 days with several accounts, regions and the required services', () => {
    // Assess
    const days = new Set(rows.map(day));
    expect(days.size).toBeGreaterThanOrEqual(90);
    expect([...days].sort().at(-1)).toBe('2026-08-31');
    const accounts = new Set(rows.map((row) => row.SubAccountId));
    expect(accounts.size).toBeGreaterThanOrEqual(3);
    expect([...accounts].some((account) => account?.startsWith('0'))).toBe(true);
    expect(
      new Set(rows.map((row) => row.RegionId).filter((region) => region !== 'NULL')).size,
    ).toBeGreaterThanOrEqual(2);
    const services = new Set(rows.map((row) => row.ServiceName));
    for (const service of [
      'Amazon SageMaker',
      'Amazon Elastic Compute Cloud',
      'Amazon Simple Storage Service',
      'AWS Data Transfer',
      'AmazonCloudWatch',
    ]) {
      expect(services).toContain(service);
    }
    expect(new Set(rows.map(costCenter))).toEqual(new Set(['ai-vision', 'ai-nlp', 'platform', undefined]));
    expect(rows.length / days.size).toBeLessThan(2000);
  });

  it('writes every cost as a decimal with at most 10 decimals equal to quantity times unit price', () => {
    // Assess
    for (const row of rows.filter((candidate) => candidate.ChargeCategory === 'Usage')) {
      expect(row.BilledCost).toMatch(/^-?\d+\.\d{1,10}$/);
      const expected =
        (parseMoney(row.PricingQuantity ?? '') * parseMoney(row.ListUnitPrice ?? '')) / 10n ** 10n;
      expect(formatMoney(parseMoney(row.BilledCost ?? ''))).toBe(formatMoney(expected));
    }
  });

  it('triples the ai-vision image-captioner GPU spend from the incident day on and keeps it there', () => {
    // Prepare
    const captioner = rows.filter((row) => row.ResourceName === SAMPLE_INCIDENT.resource);
    const perDay = new Map<string, bigint>();
    for (const row of captioner)
      perDay.set(day(row), (perDay.get(day(row)) ?? 0n) + parseMoney(row.EffectiveCost ?? '0'));
    const before = [...perDay].filter(([isoDay]) => isoDay < SAMPLE_INCIDENT.day).map(([, amount]) => amount);
    const after = [...perDay].filter(([isoDay]) => isoDay >= SAMPLE_INCIDENT.day).map(([, amount]) => amount);

    // Assess
    expect(
      captioner.every(
        (row) => costCenter(row) === 'ai-vision' && row.ServiceName === SAMPLE_INCIDENT.service,
      ),
    ).toBe(true);
    expect(new Set(before).size).toBe(1);
    expect(new Set(after).size).toBe(1);
    expect(after[0]).toBe((before[0] ?? 0n) * BigInt(SAMPLE_INCIDENT.multiplier));
    expect(after.length).toBeGreaterThan(2);
  });

  it('changes no other resource when comparing the incident period to the same weekdays before it', () => {
    // Prepare
    const usage = rows.filter(
      (row) => row.ChargeCategory === 'Usage' && row.ResourceName !== SAMPLE_INCIDENT.resource,
    );
    const key = (row: SampleRow) =>
      `${row.ServiceName}|${row.ResourceId}|${row.ChargeDescription}|${row.SubAccountId}|${row.RegionId}`;
    const mean = (selected: SampleRow[]) =>
      Number(total(selected)) / Math.max(1, new Set(selected.map(day)).size);
    const groups = new Map<string, SampleRow[]>();
    for (const row of usage) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);

    // Assess
    for (const [name, group] of groups) {
      for (const weekend of [false, true]) {
        const beforeRows = group.filter(
          (row) =>
            day(row) < SAMPLE_INCIDENT.day && day(row) >= '2026-07-22' && isWeekend(day(row)) === weekend,
        );
        const afterRows = group.filter(
          (row) => day(row) >= SAMPLE_INCIDENT.day && isWeekend(day(row)) === weekend,
        );
        if (beforeRows.length === 0 && afterRows.length === 0) continue;
        const ratio = mean(afterRows) / mean(beforeRows);
        expect({ name, weekend, ok: ratio > 0.85 && ratio < 1.2 }).toEqual({ name, weekend, ok: true });
      }
    }
  });

  it('charges a recurring fee on the 1st of every month and on no other day', () => {
    // Prepare
    const fees = rows.filter((row) => row.ChargeFrequency === 'Recurring');

    // Assess
    expect(fees.map(day)).toEqual(SAMPLE_INCIDENT.notIncidents.monthlyFeeDays);
    expect(
      fees.every((row) => row.ChargeCategory === 'Purchase' && parseMoney(row.EffectiveCost ?? '') > 0n),
    ).toBe(true);
  });

  it('contains exactly one negative credit on the documented day', () => {
    // Prepare
    const credits = rows.filter((row) => row.ChargeCategory === 'Credit');

    // Assess
    expect(credits).toHaveLength(1);
    expect(day(credits[0] ?? {})).toBe(SAMPLE_INCIDENT.notIncidents.creditDay);
    expect(parseMoney(credits[0]?.EffectiveCost ?? '0')).toBeLessThan(0n);
  });

  it('spends less on every weekend day than on the weekdays of the same week', () => {
    // Prepare
    const usageByDay = new Map<string, SampleRow[]>();
    for (const row of rows.filter((candidate) => candidate.ChargeCategory === 'Usage')) {
      usageByDay.set(day(row), [...(usageByDay.get(day(row)) ?? []), row]);
    }
    const days = [...usageByDay.keys()].sort();

    // Assess
    for (const isoDay of days.filter(isWeekend)) {
      const weekdayBefore = [...days]
        .reverse()
        .find((candidate) => candidate < isoDay && !isWeekend(candidate));
      if (!weekdayBefore) continue;
      expect(total(usageByDay.get(isoDay) ?? [])).toBeLessThan(
        (total(usageByDay.get(weekdayBefore) ?? []) * 85n) / 100n,
      );
    }
  });
});

describe('generateFocusSample', () => {
  it('writes the rendered bytes to the file and reports rows and days', () => {
    // Prepare
    const folder = mkdtempSync(path.join(tmpdir(), 'focus-sample-'));
    const outFile = path.join(folder, 'nested', 'sample.csv');

    try {
      // Act
      const result = generateFocusSample({ outFile, seed: 11, startDay: '2026-01-01', days: 10 });

      // Assess
      expect(readFileSync(outFile, 'utf8')).toBe(
        renderFocusSample({ seed: 11, startDay: '2026-01-01', days: 10 }),
      );
      expect(result).toMatchObject({ outFile, firstDay: '2026-01-01', lastDay: '2026-01-10' });
      expect(result.rows).toBe(parseSample(readFileSync(outFile, 'utf8')).rows.length);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('rejects a malformed start day', () => {
    // Act / Assess
    expect(() => renderFocusSample({ startDay: '2026/01/01' })).toThrow(/startDay/);
  });
});
