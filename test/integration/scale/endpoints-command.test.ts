import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { command as endpoints } from '#infra/local/commands/endpoints';

describe('finops endpoints detect (the demo step, local runtime and real handlers)', () => {
  let cwd: string;
  const saved = { ...process.env };
  beforeAll(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'finops-endpoints-'));
  });
  afterAll(() => {
    process.env = saved;
    rmSync(cwd, { recursive: true, force: true });
  });

  it('shows the idle sample endpoint, its waste and the policy decision', async () => {
    // Prepare
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    // Act
    const code = await endpoints.run(['detect'], { stdout, stderr: stdout, cwd });
    // Assess
    expect(code).toBe(0);
    expect(text).toContain('idle endpoints: 1');
    expect(text).toContain(
      'sagemaker sentiment-gpu-staging (staging): 0 invocations in the last 24 h on 2 × ml.g5.xlarge',
    );
    expect(text).toContain('wasting USD 67.58/day');
    // The sample policy is dry-run and only acts outside Berlin business hours; either way the
    // decision names the planned change 2 → 1 and nothing is executed.
    expect(text).toMatch(
      /decision (dry-run: would scale sentiment-gpu-staging from 2 to 1|skipped \(business-hours\): .*otherwise would scale 2 → 1)/,
    );
    expect(text).not.toMatch(/decision executed/);
  });
});
