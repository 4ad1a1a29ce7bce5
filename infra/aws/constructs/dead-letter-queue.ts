import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of a dead-letter queue; `purpose` ends up in the alarm description. */
export interface DeadLetterQueueProps {
  readonly purpose: string;
}

/**
 * An SQS queue that only ever receives failed events: encrypted, SSL-only, 14 days retention (the
 * maximum) so a failure found on Monday from a Friday run can still be redriven.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly purpose: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.purpose = props.purpose;
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason = 'This queue is itself a dead-letter queue; a DLQ of a DLQ would only move the problem.';
    Validations.of(this.queue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
    );
  }
}
