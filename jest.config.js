// One jest project per test layer (CONVENTIONS §9). swc strips types; middy ships ESM only, so it is
// transformed too. Module resolution of `#shared/*` etc. comes from package.json "imports".
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const base = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [
    '/node_modules/(?!(@middy|hyparquet|@octokit|universal-user-agent|before-after-hook|content-type|json-with-bigint)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  // @middy/* export only an "import" condition and jest resolves with "require": map to the ESM entry.
  moduleNameMapper: { '^@middy/(.*)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
const project = (name, timeout) => ({
  ...base,
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  // `testTimeout` is global-only in jest: a per-project value is silently ignored (CI once hit the
  // 5 s default in an integration hook). test/setup-timeout.ts applies this one instead.
  globals: { layerTestTimeoutMs: timeout },
  setupFilesAfterEnv: ['<rootDir>/test/setup-timeout.ts'],
});
module.exports = {
  // Timeouts guard against hangs, they are not speed checks (benchmarks are): a CI machine ran at
  // about half this one's speed, so the slowest unit test (~2.6 s here) gets room too. Integration,
  // infra and e2e tests drive real engines (dynalite, git, esbuild).
  projects: [
    project('unit', 20_000),
    project('contract', 60_000),
    project('integration', 30_000),
    project('infra', 120_000),
    project('e2e', 180_000),
  ],
};
