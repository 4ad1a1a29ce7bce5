import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MetricName } from '#shared/observability';
import type { DeadLetterQueue } from './dead-letter-queue';
import { METRICS_NAMESPACE, type PipelineFunction } from './pipeline-function';

/** Props: what to chart and which queues must stay empty. */
export interface OperationsDashboardProps {
  readonly functions: readonly PipelineFunction[];
  readonly deadLetterQueues: readonly DeadLetterQueue[];
}

/**
 * The pipeline's CloudWatch dashboard (rows ingested and rejected, anomalies, Cost Explorer
 * requests, DLQ depth, function errors) and one alarm per dead-letter queue: any message in a DLQ
 * is a lost event until someone looks, so the threshold is "more than zero".
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarmTopic: sns.Topic;
  readonly dlqAlarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);

    // CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, so the
    // topic gets its own key that lets CloudWatch use it.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the finops-pipeline alarm topic',
    });
    topicKey.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: topicKey, enforceSSL: true });
    const alarmAction = new actions.SnsAction(this.alarmTopic);

    const pipelineMetric = (metricName: string, service: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
        label,
      });
    const services = new Set(props.functions.map((fn) => fn.serviceName));
    const forServices = (metricName: string, names: readonly string[]) =>
      names.filter((name) => services.has(name)).map((name) => pipelineMetric(metricName, name, name));

    const dlqDepth = props.deadLetterQueues.map((dlq) =>
      dlq.queue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(5),
        label: dlq.purpose,
      }),
    );
    props.deadLetterQueues.forEach((dlq, index) => {
      const metric = dlqDepth[index];
      if (!metric) return;
      const alarm = new cloudwatch.Alarm(dlq, 'NotEmptyAlarm', {
        alarmDescription: `Dead-letter queue holds ${dlq.purpose}: inspect and redrive`,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      this.dlqAlarms.push(alarm);
    });

    const ingestionServices = ['ingest-billing', 'ingest-cost-explorer', 'aggregate-billing-partial'];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Billing rows ingested',
            left: forServices(MetricName.rowsIngested, ingestionServices),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Billing rows rejected',
            left: forServices(MetricName.rowsRejected, ingestionServices),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Anomalies detected',
            left: forServices(MetricName.anomaliesDetected, ['detect-anomalies']),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Cost Explorer requests ($0.01 each)',
            left: forServices(MetricName.costExplorerRequests, ['ingest-cost-explorer']),
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: 'Dead-letter queue depth', left: dlqDepth, width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: props.functions.map((fn) =>
              fn.fn.metricErrors({ period: Duration.hours(1), label: fn.serviceName }),
            ),
            width: 8,
          }),
        ],
      ],
    });
  }
}
