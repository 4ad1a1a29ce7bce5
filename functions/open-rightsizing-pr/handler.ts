import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseDetail } from '#events/contract';
import { RightsizingRecommendedEvent } from '#events/rightsizing-recommended';
import { openRightsizingPr } from '#shared/gitops/open-rightsizing-pr';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createOpenPrDependencies } from './dependencies';

let dependencies: ReturnType<typeof createOpenPrDependencies> | undefined;

/**
 * open-rightsizing-pr: on Rightsizing Recommended, opens (or updates, never duplicates) the
 * workload's pull request in the GitOps repository and publishes Rightsizing PR Opened.
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  const recommendation = parseDetail(RightsizingRecommendedEvent, event.detail);
  dependencies ??= createOpenPrDependencies(process.env);
  const now = () => new Date();
  const { result } = await openRightsizingPr({
    recommendation,
    backend: await dependencies.backend(now),
    grouping: dependencies.grouping,
    k8sStore: dependencies.k8sStore,
    publish: dependencies.publish,
    now,
    logger: logSink,
  });
  if (result.action === 'opened') metrics.addMetric(MetricName.pullRequestsOpened, MetricUnit.Count, 1);
  return { action: result.action, branch: result.branch, pullRequest: result.pullRequest?.url };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
