import { createHash } from 'node:crypto';
import {
  DescribeExecutionCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type {
  BillingFanOut,
  BillingFanOutRequest,
  FanOutStart,
} from '#shared/billing/billing-fan-out-request';
import { FinopsError } from '#shared/errors';

/** StartExecution failed for another reason than an existing execution of the same name, or a failed one could not be redriven. */
export class FanOutStartError extends FinopsError {}

/** Execution states that a redrive restarts from where they stopped. */
const REDRIVABLE = new Set(['FAILED', 'ABORTED', 'TIMED_OUT']);

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

/** `arn:…:stateMachine:<machine>` → `arn:…:execution:<machine>:<name>`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/**
 * The billing fan-out port over Step Functions: `StartExecution` of the Distributed Map state
 * machine with input `{ prefix }` and the request's deterministic name, so a duplicate delivery
 * (same name) does not start a second execution. When that execution exists, its status decides:
 * running or succeeded → `already-started`; failed, aborted or timed out → `RedriveExecution`, so
 * re-delivering the files after fixing the cause resumes the period (Step Functions keeps a name
 * for 90 days and redrives within 14 days of the stop). The redrive's client token comes from the
 * stop it answers, so concurrent duplicate deliveries redrive once.
 */
export function createStepFunctionsFanOut(props: {
  client: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  thresholdBytes: number;
}): BillingFanOut {
  const fail = (request: BillingFanOutRequest, what: string, error: unknown) =>
    new FanOutStartError(
      `could not ${what} the billing fan-out ${request.executionName} of ${request.unitId} on ${props.stateMachineArn}: ${(error as Error).message}`,
      { cause: error },
    );

  async function resumeExisting(request: BillingFanOutRequest): Promise<FanOutStart> {
    const executionArn = executionArnOf(props.stateMachineArn, request.executionName);
    const execution = await props.client.send(new DescribeExecutionCommand({ executionArn }));
    if (!REDRIVABLE.has(execution.status ?? '')) return 'already-started';
    const stoppedAt = execution.stopDate?.toISOString() ?? '';
    const clientToken = createHash('sha256').update(`${executionArn}\n${stoppedAt}`).digest('hex');
    try {
      await props.client.send(new RedriveExecutionCommand({ executionArn, clientToken }));
      return 'redriven';
    } catch (error) {
      if (errorName(error) === 'ExecutionNotRedrivable') {
        // A concurrent delivery may have redriven it a moment ago; otherwise the stop is too old.
        const again = await props.client.send(new DescribeExecutionCommand({ executionArn }));
        if (!REDRIVABLE.has(again.status ?? '')) return 'already-started';
      }
      throw fail(request, `redrive the ${execution.status} execution of`, error);
    }
  }

  return {
    thresholdBytes: props.thresholdBytes,
    async start(request: BillingFanOutRequest) {
      try {
        await props.client.send(
          new StartExecutionCommand({
            stateMachineArn: props.stateMachineArn,
            name: request.executionName,
            input: JSON.stringify({ prefix: request.prefix }),
          }),
        );
        return 'started';
      } catch (error) {
        if (errorName(error) !== 'ExecutionAlreadyExists') throw fail(request, 'start', error);
      }
      try {
        return await resumeExisting(request);
      } catch (error) {
        throw error instanceof FanOutStartError ? error : fail(request, 'check', error);
      }
    },
  };
}
