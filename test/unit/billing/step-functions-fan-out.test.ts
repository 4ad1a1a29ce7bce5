import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionNotRedrivable,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { BillingFanOutRequest } from '#shared/billing/billing-fan-out-request';
import {
  createStepFunctionsFanOut,
  executionArnOf,
  FanOutStartError,
} from '#shared/billing/step-functions-fan-out';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:BillingFanOut';
const request: BillingFanOutRequest = {
  unitId: 'focus-daily/2026-08',
  prefix: 'exports/focus-daily/data/BILLING_PERIOD=2026-08/',
  uris: ['s3://exports/exports/focus-daily/data/BILLING_PERIOD=2026-08/part-00001.parquet'],
  totalBytes: 3 * 1024 ** 3,
  executionName: 'focus-daily_2026-08-0123456789abcdef0123456789abcdef',
};

function setup() {
  const client = new SFNClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  const fanOut = createStepFunctionsFanOut({ client, stateMachineArn: ARN, thresholdBytes: 2 * 1024 ** 3 });
  return { mock, fanOut };
}

describe('Step Functions billing fan-out', () => {
  it('starts the state machine with the request name and {prefix} input when no execution has that name', async () => {
    // Prepare
    const { mock, fanOut } = setup();
    mock.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x`, startDate: new Date() });
    // Act
    const outcome = await fanOut.start(request);
    // Assess
    expect(outcome).toBe('started');
    expect(mock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: ARN,
        name: request.executionName,
        input: JSON.stringify({ prefix: request.prefix }),
      },
    ]);
  });

  const EXECUTION_ARN = `arn:aws:states:eu-west-1:123456789012:execution:BillingFanOut:${request.executionName}`;
  const exists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
  const notRedrivable = () =>
    new ExecutionNotRedrivable({ message: 'Execution is not redrivable', $metadata: {} });
  const stopDate = new Date('2026-09-02T03:04:05Z');

  it.each(['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE'] as const)(
    'reports already-started without a redrive when the execution of that name is %s',
    async (status) => {
      // Prepare
      const { mock, fanOut } = setup();
      mock.on(StartExecutionCommand).rejects(exists());
      mock.on(DescribeExecutionCommand).resolves({ status });
      // Act
      const outcome = await fanOut.start(request);
      // Assess
      expect(outcome).toBe('already-started');
      expect(mock.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual([
        { executionArn: EXECUTION_ARN },
      ]);
      expect(mock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
    },
  );

  it.each(['FAILED', 'ABORTED', 'TIMED_OUT'] as const)(
    'redrives the execution of that name when it is %s',
    async (status) => {
      // Prepare
      const { mock, fanOut } = setup();
      mock.on(StartExecutionCommand).rejects(exists());
      mock.on(DescribeExecutionCommand).resolves({ status, stopDate });
      mock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
      // Act
      const outcome = await fanOut.start(request);
      // Assess
      expect(outcome).toBe('redriven');
      const redrives = mock.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input);
      expect(redrives).toEqual([
        { executionArn: EXECUTION_ARN, clientToken: expect.stringMatching(/^[0-9a-f]{64}$/) },
      ]);
    },
  );

  it('redrives with one client token when two deliveries see the same failed execution', async () => {
    // Prepare
    const { mock, fanOut } = setup();
    mock.on(StartExecutionCommand).rejects(exists());
    mock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', stopDate });
    mock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    // Act
    await Promise.all([fanOut.start(request), fanOut.start(request)]);
    // Assess
    const tokens = mock.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input.clientToken);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(1);
  });

  it('reports already-started when the redrive is refused because another delivery just redrove it', async () => {
    // Prepare
    const { mock, fanOut } = setup();
    mock.on(StartExecutionCommand).rejects(exists());
    mock
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'FAILED', stopDate })
      .resolves({ status: 'RUNNING' });
    mock.on(RedriveExecutionCommand).rejects(notRedrivable());
    // Act
    const outcome = await fanOut.start(request);
    // Assess
    expect(outcome).toBe('already-started');
  });

  it('throws FanOutStartError naming the failed execution when it cannot be redriven', async () => {
    // Prepare: stopped more than 14 days ago, so Step Functions refuses the redrive.
    const { mock, fanOut } = setup();
    mock.on(StartExecutionCommand).rejects(exists());
    mock.on(DescribeExecutionCommand).resolves({ status: 'FAILED', stopDate });
    mock.on(RedriveExecutionCommand).rejects(notRedrivable());
    // Act
    const attempt = fanOut.start(request);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(FanOutStartError);
    await expect(attempt).rejects.toThrow(
      /redrive the FAILED execution of the billing fan-out focus-daily_2026-08-/,
    );
  });

  it('builds the execution ARN from the state machine ARN and the name', () => {
    // Act
    const arn = executionArnOf('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Fan', 'unit-abc');
    // Assess
    expect(arn).toBe('arn:aws-cn:states:cn-north-1:123456789012:execution:Fan:unit-abc');
  });

  it('throws FanOutStartError with the cause when StartExecution fails otherwise', async () => {
    // Prepare
    const { mock, fanOut } = setup();
    const denied = Object.assign(new Error('not authorized to perform states:StartExecution'), {
      name: 'AccessDeniedException',
    });
    mock.on(StartExecutionCommand).rejects(denied);
    // Act
    const attempt = fanOut.start(request);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(FanOutStartError);
    await expect(attempt).rejects.toMatchObject({
      message: expect.stringContaining('focus-daily/2026-08'),
      cause: denied,
    });
  });

  it('exposes the configured threshold to the use case', () => {
    // Prepare
    const { fanOut } = setup();
    // Act
    const threshold = fanOut.thresholdBytes;
    // Assess
    expect(threshold).toBe(2147483648);
  });
});
