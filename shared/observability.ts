import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one logger, metrics and tracer of a process, configured by Powertools' standard env vars
 * (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL). Handlers wire
 * them into middy; use cases receive the logger when they need one.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'finops-pipeline' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'FinopsPipeline',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'finops-pipeline',
  // Its own warnings (e.g. "no metrics to publish" after a failed invocation) go through the
  // structured logger and its level, not straight to the console.
  logger,
});
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'finops-pipeline' });

/** Metric names, as constants so dashboards and alarms in CDK use the same strings. */
export const MetricName = {
  rowsIngested: 'RowsIngested',
  rowsRejected: 'RowsRejected',
  seriesDaysWritten: 'SeriesDaysWritten',
  costExplorerRequests: 'CostExplorerRequests',
  anomaliesDetected: 'AnomaliesDetected',
  slackMessagesSent: 'SlackMessagesSent',
  rightsizingRecommendations: 'RightsizingRecommendations',
  pullRequestsOpened: 'PullRequestsOpened',
  githubRequests: 'GithubRequests',
  scalingActions: 'ScalingActions',
  idleEndpointsDetected: 'IdleEndpointsDetected',
  eventsPublished: 'EventsPublished',
  eventsRejected: 'EventsRejected',
} as const;

export { MetricUnit };

/** The structured-log surface use cases need, so they can be given a silent or recording logger in tests. */
export interface LogSink {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** The process logger as a LogSink, for handlers to pass to use cases. */
export const logSink: LogSink = {
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
  error: (message, extra) => logger.error(message, extra ?? {}),
};
