import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  ListInferenceComponentsCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import type { ActionRecord } from '#shared/scale/action-record';
import { createSageMakerScaler } from '#shared/scale/sagemaker-scaler';
import { ScaleExecutionError } from '#shared/scale/scale-executor';

const sagemaker = mockClient(SageMakerClient);
const autoscaling = mockClient(ApplicationAutoScalingClient);
const endpoint = {
  platform: 'sagemaker' as const,
  id: 'llm-ic-staging',
  name: 'llm-ic-staging',
  tags: {},
  gitopsManaged: false,
};
const scaler = () =>
  createSageMakerScaler({
    sagemaker: new SageMakerClient({}),
    autoscaling: new ApplicationAutoScalingClient({}),
  });
const request = (toCapacity: number, fromCapacity = 2) => ({
  actionId: 'a',
  endpoint,
  fromCapacity,
  toCapacity,
  reason: 'r',
  evidence: { summary: 's' },
});

describe('SageMaker scaler', () => {
  beforeEach(() => {
    sagemaker.reset();
    autoscaling.reset();
  });

  it('scales the copy count of an inference component to zero and caps its auto scaling target', async () => {
    // Prepare
    sagemaker
      .on(ListInferenceComponentsCommand)
      .resolves({ InferenceComponents: [{ InferenceComponentName: 'llm-ic' } as never] });
    sagemaker
      .on(DescribeInferenceComponentCommand)
      .resolves({ RuntimeConfig: { CurrentCopyCount: 2, DesiredCopyCount: 2 } });
    sagemaker.on(UpdateInferenceComponentRuntimeConfigCommand).resolves({});
    autoscaling
      .on(DescribeScalableTargetsCommand)
      .resolves({ ScalableTargets: [{ MinCapacity: 1, MaxCapacity: 6 } as never] });
    autoscaling.on(RegisterScalableTargetCommand).resolves({});
    // Act
    const floor = await scaler().platformMinCapacity(endpoint);
    const effect = await scaler().scale(request(0));
    // Assess
    expect(floor).toBe(0);
    expect(effect).toEqual({
      via: 'sagemaker-api',
      previousCapacity: 2,
      newCapacity: 0,
      restoreState: {
        dimension: 'sagemaker:inference-component:DesiredCopyCount',
        autoscalingMin: 1,
        autoscalingMax: 6,
      },
    });
    expect(sagemaker.commandCalls(UpdateInferenceComponentRuntimeConfigCommand)[0]?.args[0].input).toEqual({
      InferenceComponentName: 'llm-ic',
      DesiredRuntimeConfig: { CopyCount: 0 },
    });
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)[0]?.args[0].input).toMatchObject({
      ResourceId: 'inference-component/llm-ic',
      ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      MinCapacity: 0,
      MaxCapacity: 0,
    });
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
  });

  it('refuses zero instances for an endpoint without inference components', async () => {
    // Prepare
    sagemaker.on(ListInferenceComponentsCommand).resolves({ InferenceComponents: [] });
    sagemaker
      .on(DescribeEndpointCommand)
      .resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 1 }] });
    autoscaling
      .on(DescribeScalableTargetsCommand)
      .resolves({ ScalableTargets: [{ MinCapacity: 1, MaxCapacity: 2 } as never] });
    // Act
    const attempt = scaler().scale(request(0, 1));
    // Assess
    await expect(attempt).rejects.toThrow(ScaleExecutionError);
    await expect(attempt).rejects.toThrow(/cannot scale to 0/);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)).toHaveLength(0);
  });

  it('refuses to act when the live capacity differs from the one the decision was made on', async () => {
    // Prepare: someone scaled the endpoint up to 4 after the idle event said 2.
    sagemaker.on(ListInferenceComponentsCommand).resolves({ InferenceComponents: [] });
    sagemaker
      .on(DescribeEndpointCommand)
      .resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 4 }] });
    // Act
    const attempt = scaler().scale(request(1, 2));
    // Assess
    await expect(attempt).rejects.toThrow(/changed since the decision \(2 → 4 now\)/);
    expect(sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)).toHaveLength(0);
  });

  it('refuses an endpoint with several production variants', async () => {
    sagemaker.on(ListInferenceComponentsCommand).resolves({ InferenceComponents: [] });
    sagemaker.on(DescribeEndpointCommand).resolves({
      ProductionVariants: [
        { VariantName: 'A', CurrentInstanceCount: 2 },
        { VariantName: 'B', CurrentInstanceCount: 2 },
      ],
    });
    await expect(scaler().scale(request(1))).rejects.toThrow(/2 production variants; expected exactly 1/);
  });

  it('restores the copy count and the recorded auto scaling limits', async () => {
    // Prepare
    sagemaker
      .on(ListInferenceComponentsCommand)
      .resolves({ InferenceComponents: [{ InferenceComponentName: 'llm-ic' } as never] });
    sagemaker.on(DescribeInferenceComponentCommand).resolves({ RuntimeConfig: { CurrentCopyCount: 0 } });
    sagemaker.on(UpdateInferenceComponentRuntimeConfigCommand).resolves({});
    autoscaling.on(RegisterScalableTargetCommand).resolves({});
    const scaleDown = {
      previousCapacity: 2,
      restoreState: { autoscalingMin: 1, autoscalingMax: 6 },
    } as unknown as ActionRecord;
    // Act
    const effect = await scaler().restore({ actionId: 'restore|a', endpoint, scaleDown });
    // Assess
    expect(effect).toMatchObject({ previousCapacity: 0, newCapacity: 2 });
    expect(autoscaling.commandCalls(RegisterScalableTargetCommand)[0]?.args[0].input).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 6,
    });
  });
});
