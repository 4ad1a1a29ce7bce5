import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as ingestHandler } from '#functions/ingest-billing/handler';
import { localLambdaContext } from '#infra/local/local-bus';
import { s3ObjectCreatedEvent } from '#infra/local/local-s3';
import { EXPORTS, type FanOutEnvironment, startFanOutEnvironment } from './support/fan-out-environment';

jest.setTimeout(60_000);

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:BillingFanOut';
const PREFIX = 'exports/focus-big/data/BILLING_PERIOD=2024-09/';
const MANIFEST = 'exports/focus-big/metadata/BILLING_PERIOD=2024-09/focus-big-Manifest.json';
const HEADER =
  'BillingCurrency,ChargePeriodStart,ChargeCategory,ServiceName,SubAccountId,RegionId,ResourceId,BilledCost,EffectiveCost';

/** A period above the 1 MiB threshold: a ~1.3 MB data file, a small one and the manifest. */
function writeBigPeriod(exportsDir: string): string[] {
  const rows = Array.from({ length: 16_000 }, (_, i) => {
    const day = String((i % 30) + 1).padStart(2, '0');
    return `USD,2024-09-${day}T00:00:00Z,Usage,Service ${i % 40},${100 + (i % 20)},eu-west-1,r-${i % 3000},0.0123456789,0.0${i % 97}`;
  });
  const files = {
    'part-00001.csv': [HEADER, ...rows].join('\n'),
    'part-00002.csv': [HEADER, 'EUR,2024-09-02T00:00:00Z,Usage,Service 1,100,eu-west-1,r-1,2.5,2.5'].join(
      '\n',
    ),
  };
  mkdirSync(path.join(exportsDir, PREFIX), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(exportsDir, PREFIX, name), text);
  mkdirSync(path.dirname(path.join(exportsDir, MANIFEST)), { recursive: true });
  writeFileSync(
    path.join(exportsDir, MANIFEST),
    JSON.stringify({
      exportName: 'focus-big',
      billingPeriod: '2024-09',
      dataFiles: Object.keys(files).map((name) => `${PREFIX}${name}`),
    }),
  );
  return [...Object.keys(files).map((name) => `${PREFIX}${name}`), MANIFEST];
}

describe('ingest-billing starts the billing fan-out over local S3 and the embedded DynamoDB', () => {
  const sfn = mockClient(SFNClient);
  let env: FanOutEnvironment;
  beforeAll(async () => {
    env = await startFanOutEnvironment('ingest-starts-fan-out', {
      BILLING_FAN_OUT_STATE_MACHINE_ARN: STATE_MACHINE,
      BILLING_FAN_OUT_THRESHOLD_BYTES: '1048576',
    });
  });
  afterAll(async () => {
    sfn.restore();
    await env.stop();
  });

  it('starts one execution whose merge stores what the inline ingest would when a large period is delivered', async () => {
    // Prepare: Step Functions as a recording fake (no local engine): a repeated name already exists.
    const keys = writeBigPeriod(env.exportsDir);
    const names = new Set<string>();
    sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => {
      if (names.has(input.name)) {
        throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
      }
      names.add(input.name);
      return { executionArn: `${STATE_MACHINE}:${input.name}`, startDate: new Date() };
    });
    // The duplicates find that execution still running.
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const events = await Promise.all(
      keys.map((key) =>
        s3ObjectCreatedEvent({ bucket: EXPORTS, key, filePath: path.join(env.exportsDir, key) }),
      ),
    );

    // Act: every data file and the manifest trigger ingest-billing, then the state machine's steps run.
    const outcomes = [];
    for (const event of events) {
      outcomes.push(...(await ingestHandler(event, localLambdaContext('ingest-billing'))));
    }
    const starts = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    const seriesBeforeMerge = await env.items(env.fanOutDynamo, 'SERIES#');
    const { prefix } = JSON.parse(starts[0]!.input!) as { prefix: string };
    const summary = await env.runFanOut(prefix);
    const inline = await env.ingestInline(MANIFEST);

    // Assess
    expect(prefix).toBe(PREFIX);
    expect(starts).toHaveLength(3);
    expect(new Set(starts.map((s) => s.name)).size).toBe(1);
    expect(starts[0]).toMatchObject({
      stateMachineArn: STATE_MACHINE,
      name: expect.stringMatching(/^focus-big_2024-09-/),
    });
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'fanned-out', unitId: 'focus-big/2024-09', execution: 'started' }),
      expect.objectContaining({ status: 'fanned-out', execution: 'already-started' }),
      expect.objectContaining({ status: 'fanned-out', execution: 'already-started' }),
    ]);
    expect(seriesBeforeMerge).toEqual([]);
    expect(inline.status).toBe('ingested');
    expect(summary.unitId).toBe('focus-big/2024-09');
    if (inline.status === 'ingested') expect(summary.ingestionId).toBe(inline.report.ingestionId);
    const merged = await env.items(env.fanOutDynamo, 'SERIES#');
    expect(merged.length).toBeGreaterThan(100);
    expect(merged).toEqual(await env.items(env.directDynamo, 'SERIES#'));
  });
});
