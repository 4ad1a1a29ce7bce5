// `npm run bench -- detect-nab-tune [json options ...]`: the tuning harness used to pick the generic
// detector's defaults on the NAB subset. Prints the three NAB profiles on all 34 files and on two
// halves (files alternately assigned in sorted order), so a setting can be picked on one half and
// checked on the other. Each argument is a JSON object of GenericDetectorOptions overrides.
import path from 'node:path';
import { type GenericDetectorOptions, scoreGenericSeries } from '#shared/detect/generic-detector';
import { loadNabCorpus, type NabFileScores, readNabCsv, scoreAllProfiles } from './detect-nab';

const nabRoot = path.resolve(__dirname, '..', '..', 'shared/data/nab');
const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

/** Scores every file with the given overrides and returns all / half A / half B figures. */
export function evaluate(options: Partial<GenericDetectorOptions>): string {
  const corpus = loadNabCorpus(nabRoot);
  const files: NabFileScores[] = corpus.files.map((name) => {
    const csv = readNabCsv(path.join(corpus.root, 'data', name));
    const scores = scoreGenericSeries(csv.values, options).map((s) => s.score);
    return { name, timestamps: csv.timestamps, scores, windows: corpus.windows[name] ?? [] };
  });
  const fmt = (subset: NabFileScores[]) => {
    const r = scoreAllProfiles(corpus, subset);
    const s = r.standard;
    return `${PROFILES.map((p) => (r[p]?.normalizedScore ?? Number.NaN).toFixed(2)).join('/')} (tp ${s?.tp}/${s?.windows} fp ${s?.fp} thr ${s?.threshold.toFixed(3)})`;
  };
  return `all ${fmt(files)} | A ${fmt(files.filter((_f, i) => i % 2 === 0))} | B ${fmt(files.filter((_f, i) => i % 2 === 1))}`;
}

/** The published HTM (numenta) results on the same all / A / B split, for comparison. */
export function publishedSplit(detector = 'numenta'): string {
  const corpus = loadNabCorpus(nabRoot);
  const files: NabFileScores[] = corpus.files.map((name) => {
    const csv = readNabCsv(path.join(corpus.root, 'results', detector, name));
    return { name, timestamps: csv.timestamps, scores: csv.scores, windows: corpus.windows[name] ?? [] };
  });
  const fmt = (subset: NabFileScores[]) => {
    const r = scoreAllProfiles(corpus, subset);
    return PROFILES.map((p) => (r[p]?.normalizedScore ?? Number.NaN).toFixed(2)).join('/');
  };
  return `${detector}: all ${fmt(files)} | A ${fmt(files.filter((_f, i) => i % 2 === 0))} | B ${fmt(files.filter((_f, i) => i % 2 === 1))}`;
}

export async function main(args: string[]): Promise<void> {
  process.stdout.write(`${publishedSplit()}\n`);
  const settings = args.length > 0 ? args : ['{}'];
  for (const text of settings) {
    const started = performance.now();
    const line = evaluate(JSON.parse(text) as Partial<GenericDetectorOptions>);
    process.stdout.write(`${text} → ${line} [${((performance.now() - started) / 1000).toFixed(1)} s]\n`);
  }
}
