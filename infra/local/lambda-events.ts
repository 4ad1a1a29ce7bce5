import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { EVENT_SOURCE } from '#events/contract';
import { localClientConfig } from './embedded-dynamo';

/** The account and region every local envelope and client uses. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** Options of an envelope; the defaults are the pipeline's own source and the current time. */
export interface EnvelopeOptions {
  source?: string;
  id?: string;
  time?: Date | string;
  resources?: string[];
}

/** The EventBridge envelope a rule target (a Lambda) receives, for running handlers locally and in tests. */
export function eventBridgeEnvelope<Detail>(
  detailType: string,
  detail: Detail,
  options: EnvelopeOptions = {},
): EventBridgeEvent<string, Detail> {
  const time = options.time ?? new Date();
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': detailType,
    source: options.source ?? EVENT_SOURCE,
    account: LOCAL_ACCOUNT,
    time: typeof time === 'string' ? time : time.toISOString(),
    region: LOCAL_REGION,
    resources: options.resources ?? [],
    detail,
  };
}

/** What EventBridge Scheduler delivers to a function target (the pipeline's handlers ignore the body). */
export function scheduledEvent(functionName: string, now: Date = new Date()) {
  return eventBridgeEnvelope(
    'Scheduled Event',
    {},
    {
      source: 'aws.scheduler',
      id: `local-${functionName}-${now.getTime()}`,
      time: now,
      resources: [`arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/default/${functionName}`],
    },
  );
}

/** Loopback endpoints of the local engines, by the AWS service they stand in for. */
export interface LocalEndpoints {
  dynamodb?: string;
  eventbridge?: string;
  s3?: string;
}

/**
 * The environment that points the real AWS SDK clients of a handler at local engines (the
 * standard AWS_ENDPOINT_URL_<SERVICE> variables, a fixed region and dummy credentials).
 */
export function localAwsEnvironment(endpoints: LocalEndpoints): Record<string, string> {
  const { credentials } = localClientConfig(endpoints.dynamodb ?? 'http://127.0.0.1');
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(endpoints.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb } : {}),
    ...(endpoints.eventbridge ? { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge } : {}),
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
  };
}
