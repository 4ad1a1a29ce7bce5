#!/usr/bin/env node
// `npx finops …` (and `npm start`): runs the TypeScript CLI through tsx, so no build step is
// needed locally. The project is CommonJS for tsx and jest, while @middy/core 7 exports only an
// "import" condition: `--conditions=import` lets Node resolve it (and load it with require(esm)).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const result = spawnSync(
  process.execPath,
  ['--conditions=import', tsxCli, join(root, 'infra/local/cli.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
