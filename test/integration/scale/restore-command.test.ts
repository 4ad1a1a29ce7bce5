import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { command as endpoints } from '#infra/local/commands/endpoints';
import { command as restore } from '#infra/local/commands/restore';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { ActionRecord } from '#shared/scale/action-record';
import { createDynamoActionStore } from '#shared/store/dynamo-action-store';
import { captureStream } from '../../support/cli-io';

describe('finops restore / finops endpoints (local runtime, real handlers)', () => {
  let cwd: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'finops-restore-'));
    // Prepare the local store as a past run would leave it: one executed scale-down 2 → 1.
    const dynamo = await startEmbeddedDynamo({ path: path.join(cwd, '.finops', 'dynamo') });
    const store = createDynamoActionStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const executed: ActionRecord = {
      actionId: 'scale|sagemaker|sentiment-gpu-staging|2026-08-16T00:00:00.000Z',
      kind: 'scale-down',
      endpoint: {
        platform: 'sagemaker',
        id: 'sentiment-gpu-staging',
        name: 'sentiment-gpu-staging',
        environment: 'staging',
        tags: {},
        gitopsManaged: false,
      },
      outcome: 'executed',
      reason: 'scale sentiment-gpu-staging from 2 to 1',
      via: 'sagemaker-api',
      previousCapacity: 2,
      targetCapacity: 1,
      policyVersion: '2026-08-01',
      decidedAt: '2026-08-16T00:10:00.000Z',
      updatedAt: '2026-08-16T00:10:00.000Z',
      evidence: { summary: '0 invocations in 24 h', wastedPerDay: '67.584', currency: 'USD' },
      restoreState: { dimension: 'sagemaker:variant:DesiredInstanceCount' },
      published: true,
    };
    await store.createAction(executed);
    await dynamo.stop();
  });
  // Each command starts its own runtime (new loopback ports): handlers must be re-imported, as in
  // a fresh CLI process, instead of reusing clients cached by the previous test's modules.
  beforeEach(() => jest.resetModules());
  afterAll(() => {
    process.env = saved;
    rmSync(cwd, { recursive: true, force: true });
  });

  it('returns the endpoint to its recorded capacity through the Restore event and shows it in the history', async () => {
    // Prepare
    const out = captureStream();
    const err = captureStream();
    // Act
    const code = await restore.run(['sentiment-gpu-staging'], {
      stdout: out.stream,
      stderr: err.stream,
      cwd,
    });
    const history = captureStream();
    const historyCode = await endpoints.run(['history', 'sentiment-gpu-staging'], {
      stdout: history.stream,
      stderr: err.stream,
      cwd,
    });
    // Assess
    expect(err.text()).toBe('');
    expect(code).toBe(0);
    expect(out.text().match(/^restored: /gm)).toHaveLength(1);
    // The recording still reports 2 running instances, so the live capacity before the restore is 2.
    expect(out.text()).toContain('restored: sentiment-gpu-staging 2 → 2 via sagemaker-api');
    expect(historyCode).toBe(0);
    expect(history.text()).toMatch(/restored +sagemaker\/sentiment-gpu-staging 2 → 2/);
    expect(history.text()).toMatch(/executed +sagemaker\/sentiment-gpu-staging 2 → 1/);
  });

  it('fails with the reason when there is nothing left to restore', async () => {
    const out = captureStream();
    const err = captureStream();
    const code = await restore.run(['nothing-here'], { stdout: out.stream, stderr: err.stream, cwd });
    expect(code).toBe(1);
    expect(err.text()).toContain('no executed scale-down recorded for sagemaker endpoint nothing-here');
  });
});
