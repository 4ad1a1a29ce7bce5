import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '#infra/local/cli';
import { startTerminalSlack, type TerminalSlack } from '#infra/local/terminal-slack';
import { runGit } from '#shared/gitops/local-git-backend';
import { captureStream } from '../support/cli-io';

const incident = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../samples/billing/incident.json'), 'utf8'),
) as {
  day: string;
  series: string;
  resource: string;
  notIncidents: { monthlyFeeDays: string[]; creditDay: string };
};

/** The whole payload as text, for assertions on what a reader sees anywhere in it. */
function textOf(payload: unknown): string {
  return JSON.stringify(payload);
}

/** The mrkdwn texts of a payload's section blocks, in order. */
function blockTexts(payload: unknown): string[] {
  const blocks = (payload as { blocks?: Array<{ text?: { text?: string } }> }).blocks ?? [];
  return blocks.flatMap((block) => (block.text?.text === undefined ? [] : [block.text.text]));
}

describe('npm start: the local pipeline end to end on the bundled sample', () => {
  let workDir: string;
  let slack: TerminalSlack;
  let exitCode: number;
  let stdout: string;
  let stderr: string;

  beforeAll(async () => {
    // Prepare: a clean working folder and Slack pointed at a recording server on loopback.
    workDir = mkdtempSync(path.join(tmpdir(), 'finops-e2e-'));
    slack = await startTerminalSlack();
    process.env.SLACK_WEBHOOK_URL = slack.url;
    const out = captureStream();
    const err = captureStream();

    // Act: exactly what `npm start` runs.
    exitCode = await main(['run'], { stdout: out.stream, stderr: err.stream, cwd: workDir });
    stdout = out.text();
    stderr = err.text();
  }, 180_000);

  afterAll(async () => {
    await slack.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('finishes without a failed delivery', () => {
    expect(stderr).toBe('');
    expect(stdout).not.toMatch(/FAILED/);
    expect(exitCode).toBe(0);
  });

  it('posts exactly one cost anomaly message, for the incident day, series and resource', () => {
    const anomalyPosts = slack.posts.filter((post) => /cost anomaly/i.test(String(post.payload.text)));
    expect(anomalyPosts).toHaveLength(1);
    const message = textOf(anomalyPosts[0]?.payload);
    expect(message).toContain(incident.series);
    expect(message).toContain(`since ${incident.day}`);
    const contributors = blockTexts(anomalyPosts[0]?.payload).find((text) =>
      text.startsWith('*Top contributors*'),
    );
    expect(contributors?.split('\n')[1]).toContain(`resource *${incident.resource}*`);
  });

  it('raises nothing for the monthly fee days, the credit day or weekends', () => {
    const anomalyLines = stdout.split('\n').filter((line) => /^ {2}\d{4}-\d{2}-\d{2} {2}/.test(line));
    expect(anomalyLines).toHaveLength(1);
    expect(anomalyLines[0]).toContain(`${incident.day}  ${incident.series}`);
    for (const day of [...incident.notIncidents.monthlyFeeDays, incident.notIncidents.creditDay]) {
      expect(stdout).not.toContain(`  ${day}  `);
    }
  });

  it('prints the ingestion summary with rows read and rejected and series-days written', () => {
    expect(stdout).toMatch(/4078 rows read, 0 rejected, \d+ series-days written/);
  });

  it('opens the captioner rightsizing PR in the local GitOps repository with a resources-only diff', async () => {
    const repo = path.join(workDir, '.finops', 'gitops');
    const branch = 'finops/rightsize/vision/image-captioner';
    const diff = await runGit(repo, ['diff', '--unified=0', `main...${branch}`]);
    const changed = diff.split('\n').filter((line) => /^[-+] /.test(line));
    expect(changed).toEqual([
      '-              cpu: "2" # launch estimate',
      '-              memory: 8Gi',
      expect.stringMatching(/^\+ {14}cpu: "\d+m" # launch estimate$/),
      expect.stringMatching(/^\+ {14}memory: \d+Mi$/),
      '-              memory: 8Gi',
      expect.stringMatching(/^\+ {14}memory: \d+Mi$/),
    ]);
    const prPosts = slack.posts.filter((post) => /Rightsizing PR/.test(String(post.payload.text)));
    expect(prPosts.map((post) => String(post.payload.text))).toContainEqual(
      expect.stringContaining('vision/Deployment/image-captioner'),
    );
  });

  it('detects the idle GPU endpoint and shows the policy decision, changing nothing (dry-run)', () => {
    expect(stdout).toMatch(/idle endpoints: 1\n {2}sagemaker sentiment-gpu-staging/);
    expect(stdout).toMatch(/decision (dry-run|skipped \(business-hours\)):/);
  });
});
