import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
});
