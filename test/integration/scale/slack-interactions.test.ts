import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeEndpointCommand,
  ListInferenceComponentsCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { InferenceEndpointIdleEvent } from '#events/inference-endpoint-idle';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { parseScalingPolicy } from '#shared/policy/scaling-policy';
import { ApprovalAction } from '#shared/scale/approval-message';
import { createSageMakerScaler } from '#shared/scale/sagemaker-scaler';
import { handleIdleEndpoint, type ScaleEndpointDependencies } from '#shared/scale/scale-endpoint';
import { handleSlackInteraction } from '#shared/scale/slack-interactions';
import { slackSignature } from '#shared/slack/slack-signature';
import { createDynamoActionStore } from '#shared/store/dynamo-action-store';

const SECRET = 'test-signing-secret';
const NOW = new Date('2026-08-15T21:00:00.000Z');

describe('slack-interactions (signed approval clicks, embedded DynamoDB)', () => {
  let dynamo: EmbeddedDynamo;
  let deps: ScaleEndpointDependencies;
  const sagemaker = mockClient(SageMakerClient);
  const autoscaling = mockClient(ApplicationAutoScalingClient);

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    sagemaker.on(ListInferenceComponentsCommand).resolves({ InferenceComponents: [] });
    sagemaker
      .on(DescribeEndpointCommand)
      .resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 2 }] });
    sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({});
    autoscaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
    deps = {
      policy: parseScalingPolicy(`
version: it
dryRun: false
environments: { default: { minCapacity: 0, requireApproval: true } }
maxReductionPerStep: { percent: 50 }
cooldown: { hours: 1 }
`),
      store: createDynamoActionStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName }),
      executorFor: () =>
        createSageMakerScaler({
          sagemaker: new SageMakerClient({}),
          autoscaling: new ApplicationAutoScalingClient({}),
        }),
      publish: async () => {},
      requestApproval: async () => {},
      forceDryRun: false,
      now: () => NOW,
    };
  });
  afterAll(async () => dynamo.stop());

  async function pendingActionId(name: string): Promise<string> {
    const sample = InferenceEndpointIdleEvent.schema.parse(InferenceEndpointIdleEvent.sample);
    const record = await handleIdleEndpoint(
      { ...sample, idleId: `sagemaker|${name}|x`, endpoint: { ...sample.endpoint, id: name, name } },
      deps,
    );
    expect(record.outcome).toBe('awaiting-approval');
    return record.actionId;
  }

  function signedRequest(
    actionId: string,
    actionName: string,
    options: { secret?: string; timestamp?: number } = {},
  ) {
    const payload = {
      type: 'block_actions',
      user: { id: 'U024BE7LH' },
      actions: [{ action_id: actionName, value: actionId }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const timestamp = String(options.timestamp ?? NOW.getTime() / 1000);
    return {
      headers: {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(options.secret ?? SECRET, timestamp, body),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    };
  }

  const interactionDeps = () => ({
    signingSecret: async () => SECRET,
    store: deps.store,
    scale: deps,
    now: () => NOW,
  });

  it('executes the action once when a signed Approve arrives, and refuses its replay with 401', async () => {
    // Prepare
    const actionId = await pendingActionId('approve-me');
    const request = signedRequest(actionId, ApprovalAction.approve);
    // Act
    const response = await handleSlackInteraction(request, interactionDeps());
    const replay = await handleSlackInteraction(request, interactionDeps());
    // Assess
    expect(response.statusCode).toBe(200);
    expect(await deps.store.getAction(actionId)).toMatchObject({
      outcome: 'executed',
      actor: 'slack:U024BE7LH',
    });
    expect(replay.statusCode).toBe(401);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(1);
  });

  it('records a rejection when a signed Reject arrives', async () => {
    const actionId = await pendingActionId('reject-me');
    const response = await handleSlackInteraction(
      signedRequest(actionId, ApprovalAction.reject),
      interactionDeps(),
    );
    expect(response.statusCode).toBe(200);
    expect(await deps.store.getAction(actionId)).toMatchObject({ outcome: 'rejected' });
  });

  it.each([
    ['signed with another secret', { secret: 'wrong' }],
    ['older than 5 minutes', { timestamp: NOW.getTime() / 1000 - 301 }],
  ])('answers 401 and changes nothing when the request is %s', async (_name, options) => {
    // Prepare
    const actionId = await pendingActionId(`forged-${_name.length}`);
    // Act
    const response = await handleSlackInteraction(
      signedRequest(actionId, ApprovalAction.approve, options),
      interactionDeps(),
    );
    // Assess
    expect(response.statusCode).toBe(401);
    expect(await deps.store.getAction(actionId)).toMatchObject({ outcome: 'awaiting-approval' });
  });

  it('answers 401 to an unsigned request', async () => {
    const response = await handleSlackInteraction({ headers: {}, body: 'payload=%7B%7D' }, interactionDeps());
    expect(response.statusCode).toBe(401);
  });
});
