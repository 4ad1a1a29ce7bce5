import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { BillingFanOutRequest } from '#shared/billing/billing-fan-out-request';
import { createStepFunctionsFanOut, FanOutStartError } from '#shared/billing/step-functions-fan-out';

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

  it('reports already-started when Step Functions answers ExecutionAlreadyExists', async () => {
    // Prepare
    const { mock, fanOut } = setup();
    mock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    // Act
    const outcome = await fanOut.start(request);
    // Assess
    expect(outcome).toBe('already-started');
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
