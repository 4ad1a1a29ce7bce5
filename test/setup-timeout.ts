// jest reads `testTimeout` only from the global config, never from a project: each layer's timeout
// reaches its tests through the project's `globals` and is applied here, before every test file.
const layerTimeoutMs = (globalThis as { layerTestTimeoutMs?: unknown }).layerTestTimeoutMs;
if (typeof layerTimeoutMs === 'number') jest.setTimeout(layerTimeoutMs);
