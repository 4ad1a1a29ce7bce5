import path from 'node:path';
import { type GenericDetectorOptions, scoreGenericSeries } from '#shared/detect/generic-detector';
import { type NabCorpus, type NabProfileResult, readNabCsv, scoreAllProfiles } from './detect-nab';

/** Runs our generic detector over every NAB file (streaming, no labels) and scores it with NAB. */
export function scoreGenericOnNab(
  corpus: NabCorpus,
  options: Partial<GenericDetectorOptions> = {},
): { results: Record<string, NabProfileResult>; rows: number; millis: number } {
  const started = performance.now();
  let rows = 0;
  const files = corpus.files.map((name) => {
    const csv = readNabCsv(path.join(corpus.root, 'data', name));
    rows += csv.values.length;
    const scores = scoreGenericSeries(csv.values, options).map((s) => s.score);
    return { name, timestamps: csv.timestamps, scores, windows: corpus.windows[name] ?? [] };
  });
  const millis = performance.now() - started;
  return { results: scoreAllProfiles(corpus, files), rows, millis };
}
