import type { App } from 'aws-cdk-lib';
import { readFinopsContext } from './context';
import type { FunctionSpec } from './function-catalog';
import { FinopsStatefulStack } from './stateful-stack';
import { FinopsStatelessStack } from './stateless-stack';

/** The two stacks of the pipeline, as built into an app. */
export interface FinopsStacks {
  readonly stateful: FinopsStatefulStack;
  readonly stateless: FinopsStatelessStack;
}

/**
 * Adds the pipeline's stacks to `app` (shared by `app.ts` and the infra tests, so both build the
 * same thing). `functions` narrows the deployed functions; by default every catalog entry with a
 * handler file.
 */
export function addFinopsStacks(
  app: App,
  options: { functions?: readonly FunctionSpec[] } = {},
): FinopsStacks {
  const settings = readFinopsContext(app.node);
  // Environment-agnostic: deployed to the CLI's account and region, identical template everywhere.
  const stateful = new FinopsStatefulStack(app, 'FinopsStatefulStack', {
    settings,
    description: 'finops-pipeline: cost table, event bus and archive, billing-export bucket, secrets',
  });
  const stateless = new FinopsStatelessStack(app, 'FinopsStatelessStack', {
    settings,
    table: stateful.table,
    bus: stateful.bus,
    exportBucket: stateful.exportBucket,
    workBucket: stateful.workBucket,
    secrets: stateful.secrets,
    functions: options.functions,
    description: 'finops-pipeline: functions, routing rules, schedules, fan-out, alarms and dashboard',
  });
  return { stateful, stateless };
}
