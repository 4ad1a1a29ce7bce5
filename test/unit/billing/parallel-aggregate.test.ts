import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsvSplitter } from '#shared/billing/csv-splitter';
import { aggregateBillingSources } from '#shared/billing/ingest-billing';
import { createParallelAggregate, splitCsvFile } from '#shared/billing/parallel-aggregate';
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
