import { Readable } from 'node:stream';
import { CsvSplitter, splitCsvStream } from '#shared/billing/csv-splitter';

function split(
  text: string,
  chunkSize: number,
): { rows: Array<[number, string[]]>; bad: Array<[number, string]> } {
  const rows: Array<[number, string[]]> = [];
  const bad: Array<[number, string]> = [];
  const splitter = new CsvSplitter(
    (fields, line) => rows.push([line, fields]),
    (line, reason) => bad.push([line, reason]),
  );
  for (let at = 0; at < text.length; at += chunkSize) splitter.push(text.slice(at, at + chunkSize));
  splitter.end();
  return { rows, bad };
}

const CHUNK_SIZES = [1, 2, 3, 5, 1000];

describe('CsvSplitter', () => {
  it.each(CHUNK_SIZES)(
    'splits quoted commas, newlines and doubled quotes when fed %i characters at a time',
    (size) => {
      // Prepare
      const text = 'a,b,c\r\n"x, y","line1\nline2","say ""hi"""\r\n1,,3\n"",last,"q"';
      // Act
      const { rows, bad } = split(text, size);
      // Assess
      expect(rows).toEqual([
        [1, ['a', 'b', 'c']],
        [2, ['x, y', 'line1\nline2', 'say "hi"']],
        [4, ['1', '', '3']],
        [5, ['', 'last', 'q']],
      ]);
      expect(bad).toEqual([]);
    },
  );

  it.each(CHUNK_SIZES)('drops a UTF-8 BOM and blank lines when fed %i characters at a time', (size) => {
    // Prepare
    const text = '\uFEFF"h1",h2\n\nv1,v2\n';
    // Act
    const { rows } = split(text, size);
    // Assess
    expect(rows).toEqual([
      [1, ['h1', 'h2']],
      [3, ['v1', 'v2']],
    ]);
  });

  it('reports an unterminated quote at the end of input when the file is cut short', () => {
    // Prepare
    const text = 'a,b\n1,"open\n2,3\n';
    // Act
    const { rows, bad } = split(text, 4);
    // Assess
    expect(rows).toEqual([[1, ['a', 'b']]]);
    expect(bad).toEqual([[2, 'unterminated-quote']]);
  });

  it('keeps non-ASCII text intact when multi-byte characters straddle chunks', () => {
    // Prepare
    const text = 'name\n"Zürich — 東京"\n';
    // Act
    const { rows } = split(text, 2);
    // Assess
    expect(rows[1]).toEqual([2, ['Zürich — 東京']]);
  });
});

describe('splitCsvStream', () => {
  it.each([1, 2, 3, 4, 7, 64])(
    'decodes UTF-8 split across byte chunks of %i next to all-ASCII chunks, invalid bytes included',
    async (size) => {
      // Prepare: 2-, 3- and 4-byte characters at every offset, ASCII-only runs between, and a
      // truncated 3-byte sequence (E6 9D) followed by ASCII, which decodes to U+FFFD in place.
      const words = ['é', '東京', '😀', 'Zürich'].map((w, i) => `${'a'.repeat(i * 3)},${w}x\n`).join('');
      const bytes = Buffer.concat([
        Buffer.from(`k,v\n${words}bad,`),
        Buffer.from([0xe6, 0x9d]),
        Buffer.from(`${'b'.repeat(40)}\nend,z\n`),
      ]);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      const rows: string[][] = [];
      // Act
      await splitCsvStream(Readable.from(chunks), (fields) => rows.push([...fields]));
      // Assess
      expect(rows.map((r) => r.join(','))).toEqual(bytes.toString('utf8').trimEnd().split('\n'));
      expect(rows.at(-2)).toEqual(['bad', `\uFFFD${'b'.repeat(40)}`]);
    },
  );
});

describe('CsvSplitter.project', () => {
  it('cuts out only the projected columns and keeps the field count when a projection is set', () => {
    // Prepare
    const rows: string[][] = [];
    const splitter = new CsvSplitter((fields) => rows.push([...fields]));
    splitter.project([0, 2], true);
    // Act
    splitter.push('a,"b ""x""",c,d\n"e""",f,"g ""h""",\n1,2\n');
    splitter.end();
    // Assess
    expect(rows).toEqual([
      ['a', '', 'c', ''],
      ['e"', '', 'g "h"', ''],
      ['1', ''],
    ]);
  });

  it('keeps the doubled quotes of a raw column when one is projected raw', () => {
    // Prepare
    const rows: string[][] = [];
    const splitter = new CsvSplitter((fields) => rows.push([...fields]));
    splitter.project([0], true, [1]);
    // Act
    splitter.push('"a""b","{""k"": ""v""}",x\n');
    splitter.end();
    // Assess
    expect(rows).toEqual([['a"b', '{""k"": ""v""}', '']]);
  });
});
