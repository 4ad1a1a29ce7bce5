import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsvSplitter } from '#shared/billing/csv-splitter';
import { aggregateBillingSources } from '#shared/billing/ingest-billing';
import {
  createParallelAggregate,
  splitCsvFile,
  WorkerAggregationError,
} from '#shared/billing/parallel-aggregate';
import { fileSource, focusAws } from './support/billing-test-kit';

describe('worker fan-out', () => {
  it('merges byte-range partials into exactly the single-pass aggregate when a CSV is split across workers', async () => {
    // Prepare: the FOCUS sample with bad rows sprinkled in, so rejections fall in different ranges.
    const lines = readFileSync(focusAws, 'utf8').split('\n');
    const header = lines[0]!;
    lines.splice(100, 0, 'ragged,row');
    lines.splice(700, 0, header);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fan-out-')), 'focus.csv');
    writeFileSync(file, lines.join('\n'));
    const options = { maxCellsPerDay: 1_000_000 };
    const split = await splitCsvFile(file, 4);
    // Act
    const single = await aggregateBillingSources([fileSource(file)], options);
    const parallel = await createParallelAggregate({ workers: 2, minRangeBytes: 50_000 })(
      [fileSource(file)],
      options,
    );
    // Assess
    expect(split.ranges.length).toBe(4);
    expect(parallel.aggregator.points()).toEqual(single.aggregator.points());
    expect(parallel.rejections.summaries()).toEqual(single.rejections.summaries());
    expect(parallel.rejections.summaries().map((s) => s.firstLines)).toEqual([[101], [701]]);
    expect(parallel.sources[0]!.rowsRead).toBe(single.sources[0]!.rowsRead);
    expect(parallel.sources[0]!.fingerprint).toBe(single.sources[0]!.fingerprint);
  }, 20_000);

  it('cuts byte ranges only at record starts, with their physical line numbers, when quoted fields hold newlines and quotes', async () => {
    // Prepare: every record has a quoted field with a newline, commas and doubled quotes, and an unquoted one with quotes.
    const records = Array.from(
      { length: 400 },
      (_, i) => `${i},"note ${i}\nsecond, line ""q""",{""k"": ${i}}`,
    );
    const text = `id,note,raw\n${records.join('\n')}\n`;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fan-out-')), 'quoted.csv');
    writeFileSync(file, text);
    const parse = (bytes: Buffer, firstLine: number) => {
      const rows: Array<[number, string[]]> = [];
      const splitter = new CsvSplitter((fields, line) => rows.push([line, fields]), undefined, firstLine);
      splitter.push(bytes.toString('utf8'));
      splitter.end();
      return rows;
    };
    const whole = Buffer.from(text);
    // Act
    const split = await splitCsvFile(file, 7);
    // Assess: the ranges, parsed apart from their first lines, give exactly the whole file's records.
    const pieces = split.ranges.flatMap((r) => parse(whole.subarray(r.start, r.end), r.firstLine));
    expect(split.ranges.length).toBe(7);
    expect(pieces).toEqual(parse(whole, 1).slice(1));
    expect(pieces.at(-1)).toEqual([800, ['399', 'note 399\nsecond, line "q"', '{""k"": 399}']]);
  });
});

describe('worker pool', () => {
  function unitOfFiles(count: number): string[] {
    const [header, ...rows] = readFileSync(focusAws, 'utf8').trimEnd().split('\n');
    const dir = mkdtempSync(path.join(tmpdir(), 'pool-'));
    const per = Math.ceil(rows.length / count);
    return Array.from({ length: count }, (_, i) => {
      const file = path.join(dir, `part-${i}.csv`);
      writeFileSync(file, [header, ...rows.slice(i * per, (i + 1) * per)].join('\n'));
      return file;
    });
  }

  it('gives the single-pass aggregate when a unit has more files than workers', async () => {
    // Prepare
    const files = unitOfFiles(5);
    const options = { maxCellsPerDay: 1_000_000 };
    // Act
    const single = await aggregateBillingSources(files.map(fileSource), options);
    const parallel = await createParallelAggregate({ workers: 2 })(files.map(fileSource), options);
    // Assess
    expect(parallel.aggregator.points()).toEqual(single.aggregator.points());
    expect(parallel.sources.map((s) => [s.rowsRead, s.fingerprint])).toEqual(
      single.sources.map((s) => [s.rowsRead, s.fingerprint]),
    );
  }, 30_000);

  it('fails with the broken file named when one file of the unit cannot be read', async () => {
    // Prepare: the third of four files claims to be gzip but is not.
    const files = unitOfFiles(4);
    const broken = `${files[2]!}.gz`;
    writeFileSync(broken, 'this is not gzip');
    files[2] = broken;
    // Act
    const outcome = createParallelAggregate({ workers: 2 })(files.map(fileSource), {});
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(WorkerAggregationError);
    await expect(outcome).rejects.toThrow(/part-2\.csv\.gz: .*gzip/);
  }, 30_000);
});
