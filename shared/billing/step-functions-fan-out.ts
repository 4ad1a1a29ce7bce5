import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { BillingFanOut, BillingFanOutRequest } from '#shared/billing/billing-fan-out-request';
import { FinopsError } from '#shared/errors';

/** StartExecution failed for another reason than an existing execution of the same name. */
export class FanOutStartError extends FinopsError {}

function isAlreadyExists(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ExecutionAlreadyExists';
}

/**
 * The billing fan-out port over Step Functions: `StartExecution` of the Distributed Map state
 * machine with input `{ prefix }` and the request's deterministic name, so a duplicate delivery
 * (same name) reports `already-started` instead of starting a second execution.
 */
export function createStepFunctionsFanOut(props: {
  client: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  thresholdBytes: number;
}): BillingFanOut {
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
        if (isAlreadyExists(error)) return 'already-started';
        throw new FanOutStartError(
          `could not start the billing fan-out ${request.executionName} of ${request.unitId} on ${props.stateMachineArn}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
  };
}
