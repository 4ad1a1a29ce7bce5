import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeEndpointCommand,
  ListInferenceComponentsCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { type InferenceEndpointIdle, InferenceEndpointIdleEvent } from '#events/inference-endpoint-idle';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { parseScalingPolicy } from '#shared/policy/scaling-policy';
import type { ActionRecord } from '#shared/scale/action-record';
import { createSageMakerScaler } from '#shared/scale/sagemaker-scaler';
import {
  approveAction,
  handleIdleEndpoint,
  rejectAction,
  restoreEndpoint,
  type ScaleEndpointDependencies,
} from '#shared/scale/scale-endpoint';
import { ScaleExecutionError } from '#shared/scale/scale-executor';
import { createDynamoActionStore } from '#shared/store/dynamo-action-store';

const NIGHT = new Date('2026-08-15T21:00:00.000Z');
const POLICY = (dryRun: boolean, extra = '') => `
version: it-1
dryRun: ${dryRun}
environments:
  production: { minCapacity: 1, minCapacityWithApproval: 0, requireApproval: true }
  default: { minCapacity: 0 }
maxReductionPerStep: { percent: 50 }
cooldown: { hours: 6 }
${extra}`;

describe('scale-endpoint use case (SageMaker, embedded DynamoDB)', () => {
  let dynamo: EmbeddedDynamo;
  const sagemaker = mockClient(SageMakerClient);
  const autoscaling = mockClient(ApplicationAutoScalingClient);
  let counter = 0;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => dynamo.stop());
  beforeEach(() => {
    sagemaker.reset();
    autoscaling.reset();
    sagemaker.on(ListInferenceComponentsCommand).resolves({ InferenceComponents: [] });
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'x',
      ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 2, DesiredInstanceCount: 2 }],
    });
    sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({ EndpointArn: 'arn' });
    autoscaling
      .on(DescribeScalableTargetsCommand)
      .resolves({ ScalableTargets: [{ MinCapacity: 2, MaxCapacity: 4 } as never] });
    autoscaling.on(RegisterScalableTargetCommand).resolves({});
  });

  function setup(policyText: string) {
    const published: OutgoingEvent[] = [];
    const approvals: ActionRecord[] = [];
    const deps: ScaleEndpointDependencies = {
      policy: parseScalingPolicy(policyText),
      store: createDynamoActionStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName }),
      executorFor: () =>
        createSageMakerScaler({
          sagemaker: new SageMakerClient({}),
          autoscaling: new ApplicationAutoScalingClient({}),
        }),
      publish: async (events) => {
        published.push(...events);
      },
      requestApproval: async (record) => {
        approvals.push(record);
      },
      forceDryRun: false,
      now: () => NIGHT,
    };
    return { deps, published, approvals };
  }

  function idleEvent(environment = 'staging'): InferenceEndpointIdle {
    counter += 1;
    const sample = InferenceEndpointIdleEvent.schema.parse(InferenceEndpointIdleEvent.sample);
    const name = `sentiment-gpu-${counter}`;
    return {
      ...sample,
      idleId: `sagemaker|${name}|2026-08-15T21:00:00.000Z`,
      endpoint: { ...sample.endpoint, id: name, name, environment },
    };
  }

  it('executes once and records the previous capacity when the same idle event arrives twice', async () => {
    // Prepare
    const { deps, published } = setup(POLICY(false));
    const idle = idleEvent();
    // Act
    const [first, second] = await Promise.all([
      handleIdleEndpoint(idle, deps),
      handleIdleEndpoint(idle, deps),
    ]);
    const third = await handleIdleEndpoint(idle, deps);
    // Assess
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(1);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)[0]?.args[0].input).toEqual({
      EndpointName: idle.endpoint.name,
      DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 1 }],
    });
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)[0]?.args[0].input).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 1,
    });
    const stored = await deps.store.getAction(`scale|${idle.idleId}`);
    expect(stored).toMatchObject({
      outcome: 'executed',
      previousCapacity: 2,
      targetCapacity: 1,
      restoreState: { autoscalingMin: 2, autoscalingMax: 4 },
    });
    expect([first?.actionId, second?.actionId, third.actionId]).toEqual(Array(3).fill(stored?.actionId));
    expect(
      published.filter((event) => (event.detail as { outcome: string }).outcome === 'executed'),
    ).toHaveLength(1);
  });

  it('restores the recorded capacity and auto scaling limits', async () => {
    // Prepare
    const { deps, published } = setup(POLICY(false));
    const idle = idleEvent();
    await handleIdleEndpoint(idle, deps);
    sagemaker.on(DescribeEndpointCommand).resolves({
      ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 1 }],
    });
    // Act
    const restored = await restoreEndpoint({ endpoint: idle.endpoint, actor: 'cli:test' }, deps);
    const again = await restoreEndpoint({ endpoint: idle.endpoint, actor: 'cli:test' }, deps);
    // Assess
    expect(restored).toMatchObject({ outcome: 'restored', previousCapacity: 1, targetCapacity: 2 });
    expect(again.actionId).toBe(restored.actionId);
    const updates = sagemaker
      .commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)
      .map((call) => call.args[0].input.DesiredWeightsAndCapacities?.[0]?.DesiredInstanceCount);
    expect(updates).toEqual([1, 2]);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand).at(-1)?.args[0].input).toMatchObject({
      MinCapacity: 2,
      MaxCapacity: 4,
    });
    expect(published.map((event) => (event.detail as { outcome: string }).outcome)).toEqual([
      'executed',
      'restored',
    ]);
  });

  it('records and surfaces a failure when SageMaker refuses the update', async () => {
    // Prepare
    const { deps, published } = setup(POLICY(false));
    const idle = idleEvent();
    sagemaker
      .on(UpdateEndpointWeightsAndCapacitiesCommand)
      .rejects(new Error('ValidationException: endpoint is Updating'));
    // Act
    const attempt = handleIdleEndpoint(idle, deps);
    // Assess
    await expect(attempt).rejects.toThrow(ScaleExecutionError);
    const stored = await deps.store.getAction(`scale|${idle.idleId}`);
    expect(stored).toMatchObject({ outcome: 'failed', error: 'ValidationException: endpoint is Updating' });
    expect(published.map((event) => (event.detail as { outcome: string }).outcome)).toEqual(['failed']);
  });

  it('changes nothing in dry-run and records what it would do', async () => {
    // Prepare
    const { deps, published } = setup(POLICY(true));
    const idle = idleEvent();
    // Act
    const record = await handleIdleEndpoint(idle, deps);
    // Assess
    expect(record).toMatchObject({ outcome: 'dry-run', previousCapacity: 2, targetCapacity: 1 });
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)).toHaveLength(0);
    expect(published).toHaveLength(1);
  });

  it('asks approval once, then executes on approve exactly once', async () => {
    // Prepare
    const { deps, approvals } = setup(POLICY(false, 'approval: { reductionPercentAtLeast: 50 }'));
    const idle = idleEvent();
    const record = await handleIdleEndpoint(idle, deps);
    await handleIdleEndpoint(idle, deps);
    expect(record.outcome).toBe('awaiting-approval');
    expect(approvals).toHaveLength(1);
    expect(await deps.store.listPendingApprovals()).toEqual([
      expect.objectContaining({ actionId: record.actionId }),
    ]);
    // Act
    const approved = await approveAction(record.actionId, 'U123', deps);
    const secondClick = approveAction(record.actionId, 'U123', deps);
    // Assess
    expect(approved).toMatchObject({ outcome: 'executed', actor: 'U123', targetCapacity: 1 });
    await expect(secondClick).rejects.toThrow(/executed: only awaiting-approval/);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(1);
    expect(await deps.store.listPendingApprovals()).toEqual([]);
  });

  it('records a rejection and changes nothing when rejected', async () => {
    // Prepare
    const { deps } = setup(POLICY(false, 'approval: { reductionPercentAtLeast: 50 }'));
    const record = await handleIdleEndpoint(idleEvent(), deps);
    // Act
    const rejected = await rejectAction(record.actionId, 'U999', deps);
    // Assess
    expect(rejected).toMatchObject({ outcome: 'rejected', actor: 'U999' });
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
  });

  it('keeps a classic endpoint at one instance (platform floor) even where the policy allows zero', async () => {
    // Prepare
    const { deps } = setup(POLICY(false));
    sagemaker
      .on(DescribeEndpointCommand)
      .resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 1 }] });
    const idle = { ...idleEvent(), currentCapacity: 1 };
    // Act
    const record = await handleIdleEndpoint(idle, deps);
    // Assess
    expect(record).toMatchObject({ outcome: 'skipped', rule: 'min-capacity' });
  });
});
