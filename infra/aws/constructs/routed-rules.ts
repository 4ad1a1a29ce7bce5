import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { eventPattern, type Route } from '#events/routing';
import { DeadLetterQueue } from './dead-letter-queue';

/** Retry policy of every rule target: EventBridge retries twice over at most two hours, then the DLQ. */
export const ROUTE_RETRY = { retryAttempts: 2, maxEventAge: Duration.hours(2) } as const;

/** Props: the routes to deploy and how to find each consumer's function. */
export interface RoutedRulesProps {
  readonly bus: events.IEventBus;
  readonly routes: readonly Route[];
  readonly consumer: (route: Route) => lambda.IFunction;
}

/** Construct id of a route's rule, derived from its consumer (stable across reorders). */
export function routeRuleId(route: Route): string {
  return `Route-${route.consumer}`;
}

/**
 * One EventBridge rule per route of the routing table, with the route's own event pattern (the
 * same function the local bus matches with), targeting the consumer with an explicit retry policy
 * and a dedicated encrypted DLQ.
 */
export class RoutedRules extends Construct {
  readonly rules = new Map<string, events.Rule>();
  readonly deadLetterQueues: DeadLetterQueue[] = [];

  constructor(scope: Construct, id: string, props: RoutedRulesProps) {
    super(scope, id);
    for (const route of props.routes) {
      const ruleId = routeRuleId(route);
      const pattern = eventPattern(route);
      const dlq = new DeadLetterQueue(this, `${ruleId}-Dlq`, {
        purpose: `events for ${route.consumer} EventBridge could not deliver`,
      });
      const rule = new events.Rule(this, ruleId, {
        eventBus: props.bus,
        description: `Delivers ${route.detailTypes.join(', ')} to ${route.consumer}`,
        eventPattern: { source: pattern.source, detailType: pattern['detail-type'] },
        targets: [
          new targets.LambdaFunction(props.consumer(route), { deadLetterQueue: dlq.queue, ...ROUTE_RETRY }),
        ],
      });
      this.rules.set(route.consumer, rule);
      this.deadLetterQueues.push(dlq);
    }
  }
}
