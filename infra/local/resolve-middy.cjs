// Preloaded (`node --require`) by the local entry points. The project runs as CommonJS under tsx
// (as jest does), but @middy/* 7 export only an "import" condition, which CommonJS resolution
// cannot see. Resolve `@middy/<name>` (and its subpaths) to the ESM files; tsx loads them.
// A global `--conditions=import` would do the same but also flips dual packages (dynalite's
// dependencies among them) to their ESM builds, which breaks them.
const Module = require('node:module');
const path = require('node:path');

const fs = require('node:fs');

// @middy/core does not export its package.json, so find the folder the way Node would.
const middyRoot = (require.resolve.paths('@middy/core') ?? [])
  .map((folder) => path.join(folder, '@middy'))
  .find((folder) => fs.existsSync(path.join(folder, 'core', 'package.json')));
const original = Module._resolveFilename;
Module._resolveFilename = function resolveMiddy(request, ...rest) {
  const match = /^@middy\/([^/]+)(\/.+)?$/.exec(request);
  if (!match || middyRoot === undefined) return original.call(this, request, ...rest);
  const [, name, subpath] = match;
  const manifest = require(path.join(middyRoot, name, 'package.json'));
  const entry = manifest.exports?.[subpath ? `.${subpath}` : '.']?.import?.default;
  if (typeof entry !== 'string') return original.call(this, request, ...rest);
  return path.join(middyRoot, name, entry);
};
