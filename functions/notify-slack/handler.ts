import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseNotification } from '#shared/notify/notification';
import { createSlackNotifierFromEnv, type SlackNotifier } from '#shared/notify/slack-notifier';
import { logger, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';

let notifier: SlackNotifier | undefined;

/**
 * notify-slack: on Cost Anomaly Detected, Rightsizing PR Opened or Endpoint Scaled, posts the
 * Slack message once. A malformed event throws (EventValidationError), so it goes to the DLQ.
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  const notification = parseNotification(event['detail-type'], event.detail);
  notifier ??= createSlackNotifierFromEnv(process.env);
  const result = await notifier(notification);
  logger.info('slack notification', { ...result });
  if (result.outcome === 'sent') metrics.addMetric(MetricName.slackMessagesSent, MetricUnit.Count, 1);
  return result;
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
