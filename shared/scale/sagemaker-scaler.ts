import {
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandOutput,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeInferenceComponentCommand,
  type DescribeInferenceComponentCommandOutput,
  ListInferenceComponentsCommand,
  type ListInferenceComponentsCommandOutput,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from '@aws-sdk/client-sagemaker';
import type { SdkSender } from '#shared/idle/sagemaker-endpoint-source';
import type { ActionEndpoint } from '#shared/scale/action-record';
import { type ScaleEffect, ScaleExecutionError, type ScaleExecutor } from '#shared/scale/scale-executor';

/** The unit SageMaker scales: a variant's instances, or an inference component's copies. */
interface ScalingUnit {
  resourceId: string;
  dimension: 'sagemaker:variant:DesiredInstanceCount' | 'sagemaker:inference-component:DesiredCopyCount';
  current: number;
  /** 0 for inference components; classic variants cannot run without an instance. */
  minCapacity: number;
  set(capacity: number): Promise<void>;
}

/**
 * Scales SageMaker real-time endpoints. Classic endpoints (one variant): instance count via
 * `UpdateEndpointWeightsAndCapacities`, never below 1. Endpoints with one inference component:
 * its copy count via `UpdateInferenceComponentRuntimeConfig`, down to 0. When an Application
 * Auto Scaling target exists its Min/Max are lowered too (else it would scale back up), and the
 * old Min/Max are kept in `restoreState`.
 */
export function createSageMakerScaler(props: {
  sagemaker: SdkSender;
  autoscaling: SdkSender;
}): ScaleExecutor {
  const { sagemaker, autoscaling } = props;

  async function componentsOf(endpointName: string): Promise<string[]> {
    const listed = (await sagemaker.send(
      new ListInferenceComponentsCommand({ EndpointNameEquals: endpointName }),
    )) as ListInferenceComponentsCommandOutput;
    return (listed.InferenceComponents ?? []).flatMap((c) =>
      c.InferenceComponentName ? [c.InferenceComponentName] : [],
    );
  }

  async function unitOf(endpoint: ActionEndpoint): Promise<ScalingUnit> {
    const components = await componentsOf(endpoint.name);
    if (components.length > 1) {
      throw new ScaleExecutionError(
        `endpoint ${endpoint.name} has ${components.length} inference components; scale them individually`,
      );
    }
    const [component] = components;
    if (component) {
      const described = (await sagemaker.send(
        new DescribeInferenceComponentCommand({ InferenceComponentName: component }),
      )) as DescribeInferenceComponentCommandOutput;
      return {
        resourceId: `inference-component/${component}`,
        dimension: 'sagemaker:inference-component:DesiredCopyCount',
        current: described.RuntimeConfig?.CurrentCopyCount ?? described.RuntimeConfig?.DesiredCopyCount ?? 0,
        minCapacity: 0,
        set: async (capacity) => {
          await sagemaker.send(
            new UpdateInferenceComponentRuntimeConfigCommand({
              InferenceComponentName: component,
              DesiredRuntimeConfig: { CopyCount: capacity },
            }),
          );
        },
      };
    }
    const described = (await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: endpoint.name }),
    )) as DescribeEndpointCommandOutput;
    const variants = described.ProductionVariants ?? [];
    const variant = variants[0];
    if (variants.length !== 1 || !variant?.VariantName) {
      throw new ScaleExecutionError(
        `endpoint ${endpoint.name} has ${variants.length} production variants; expected exactly 1`,
      );
    }
    const variantName = variant.VariantName;
    return {
      resourceId: `endpoint/${endpoint.name}/variant/${variantName}`,
      dimension: 'sagemaker:variant:DesiredInstanceCount',
      current: variant.CurrentInstanceCount ?? variant.DesiredInstanceCount ?? 0,
      minCapacity: 1,
      set: async (capacity) => {
        await sagemaker.send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: endpoint.name,
            DesiredWeightsAndCapacities: [{ VariantName: variantName, DesiredInstanceCount: capacity }],
          }),
        );
      },
    };
  }

  async function scalableTarget(unit: ScalingUnit): Promise<{ min: number; max: number } | undefined> {
    const described = (await autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'sagemaker',
        ResourceIds: [unit.resourceId],
        ScalableDimension: unit.dimension,
      }),
    )) as DescribeScalableTargetsCommandOutput;
    const target = described.ScalableTargets?.[0];
    if (!target || target.MinCapacity === undefined || target.MaxCapacity === undefined) return undefined;
    return { min: target.MinCapacity, max: target.MaxCapacity };
  }

  async function registerTarget(unit: ScalingUnit, min: number, max: number): Promise<void> {
    await autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: unit.resourceId,
        ScalableDimension: unit.dimension,
        MinCapacity: min,
        MaxCapacity: max,
      }),
    );
  }

  return {
    via: 'sagemaker-api',
    async platformMinCapacity(endpoint) {
      return (await componentsOf(endpoint.name)).length > 0 ? 0 : 1;
    },
    async scale(request): Promise<ScaleEffect> {
      const unit = await unitOf(request.endpoint);
      // Checked before any change, so a refused request leaves auto scaling untouched too.
      if (unit.current !== request.fromCapacity) {
        throw new ScaleExecutionError(
          `capacity of ${request.endpoint.name} changed since the decision (${request.fromCapacity} → ${unit.current} now): not scaling on stale evidence`,
        );
      }
      if (request.toCapacity < unit.minCapacity) {
        throw new ScaleExecutionError(
          `endpoint ${request.endpoint.name} has no inference components: cannot scale to ${request.toCapacity} (minimum ${unit.minCapacity})`,
        );
      }
      const target = await scalableTarget(unit);
      const restoreState: Record<string, number | string> = { dimension: unit.dimension };
      if (target) {
        restoreState.autoscalingMin = target.min;
        restoreState.autoscalingMax = target.max;
        // Cap auto scaling at the new capacity, or it would scale the endpoint back up.
        await registerTarget(unit, Math.min(target.min, request.toCapacity), request.toCapacity);
      }
      await unit.set(request.toCapacity);
      return {
        via: 'sagemaker-api',
        previousCapacity: unit.current,
        newCapacity: request.toCapacity,
        restoreState,
      };
    },
    async restore(request): Promise<ScaleEffect> {
      const unit = await unitOf(request.endpoint);
      const to = request.scaleDown.previousCapacity;
      const state = request.scaleDown.restoreState ?? {};
      await unit.set(to);
      if (typeof state.autoscalingMin === 'number' && typeof state.autoscalingMax === 'number') {
        await registerTarget(unit, state.autoscalingMin, state.autoscalingMax);
      }
      return { via: 'sagemaker-api', previousCapacity: unit.current, newCapacity: to };
    },
  };
}
