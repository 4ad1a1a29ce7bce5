#!/usr/bin/env node
// `npx finops …` (and `npm start`): runs the TypeScript CLI through tsx, so no build step is
// needed locally. resolve-middy.cjs lets CommonJS resolution find @middy/* (ESM-only exports).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const preload = `--require=${join(root, 'infra/local/resolve-middy.cjs')}`;
// `finops ingest` keeps live memory bounded by series, but without a cap V8 lets garbage grow to
// several hundred MB on big files; 384 MB of old space keeps a 5 GB CSV under 512 MB RSS (see
// BENCHMARKS.md). Only for ingest; an explicit --max-old-space-size in NODE_OPTIONS wins.
const heapCap =
  process.argv[2] !== 'ingest' || /--max-old-space-size/.test(process.env.NODE_OPTIONS ?? '')
    ? ''
    : '--max-old-space-size=384';
const result = spawnSync(
  process.execPath,
  [tsxCli, join(root, 'infra/local/cli.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, preload, heapCap].filter(Boolean).join(' '),
    },
  },
);
process.exit(result.status ?? 1);
