import { GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import {
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
  DescribeInferenceComponentCommand,
  type DescribeInferenceComponentCommandOutput,
  ListEndpointsCommand,
  type ListEndpointsCommandOutput,
  ListInferenceComponentsCommand,
  type ListInferenceComponentsCommandOutput,
  ListTagsCommand,
  type ListTagsCommandOutput,
} from '@aws-sdk/client-sagemaker';
import type { EndpointMetrics, SageMakerEndpointSource } from '#shared/idle/detect-idle-endpoints';
import type { HourlyPoint, SageMakerEndpointInfo } from '#shared/idle/idle-detector';
import { gpusPerInstance } from '#shared/idle/instance-prices';
import type { LogSink } from '#shared/observability';

/** The `send` of an AWS SDK v3 client (real, mocked, or replaying a recording). */
export interface SdkSender {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's send is generic over every command of the client.
  send(command: any): Promise<any>;
}

/** CloudWatch's hourly period in seconds. */
const HOUR_SECONDS = 3600;

/**
 * SageMaker endpoints and metrics through the AWS SDK: ListEndpoints (InService),
 * DescribeEndpoint/DescribeEndpointConfig (variant, instance type), ListTags,
 * ListInferenceComponents, and one GetMetricData per endpoint (Invocations Sum and
 * GPUUtilization Average, hourly). Endpoints with several variants or components are skipped.
 */
export function createSageMakerEndpointSource(props: {
  sagemaker: SdkSender;
  cloudwatch: SdkSender;
  log?: LogSink;
}): SageMakerEndpointSource {
  const { sagemaker, cloudwatch } = props;
  return {
    async listEndpoints() {
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = (await sagemaker.send(
          new ListEndpointsCommand({ StatusEquals: 'InService', NextToken: nextToken, MaxResults: 100 }),
        )) as ListEndpointsCommandOutput;
        for (const summary of page.Endpoints ?? [])
          if (summary.EndpointName) names.push(summary.EndpointName);
        nextToken = page.NextToken;
      } while (nextToken);
      const endpoints: SageMakerEndpointInfo[] = [];
      for (const name of names) {
        const info = await describe(name);
        if (info) endpoints.push(info);
      }
      return endpoints;
    },
    async readMetrics(endpoint, window) {
      const dimensions = [
        { Name: 'EndpointName', Value: endpoint.name },
        { Name: 'VariantName', Value: endpoint.variantName },
      ];
      const output = (await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: window.start,
          EndTime: window.end,
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            {
              Id: 'invocations',
              MetricStat: {
                Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations', Dimensions: dimensions },
                Period: HOUR_SECONDS,
                Stat: 'Sum',
              },
            },
            {
              Id: 'gpu',
              MetricStat: {
                Metric: {
                  Namespace: '/aws/sagemaker/Endpoints',
                  MetricName: 'GPUUtilization',
                  Dimensions: dimensions,
                },
                Period: HOUR_SECONDS,
                Stat: 'Average',
              },
            },
          ],
        }),
      )) as GetMetricDataCommandOutput;
      return metricsFromGetMetricData(output);
    },
  };

  async function describe(name: string): Promise<SageMakerEndpointInfo | undefined> {
    const endpoint = (await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: name }),
    )) as DescribeEndpointCommandOutput;
    const variants = endpoint.ProductionVariants ?? [];
    const variant = variants[0];
    if (variants.length !== 1 || !variant || !endpoint.EndpointArn || !endpoint.EndpointConfigName) {
      props.log?.warn('endpoint skipped: idle detection handles single-variant endpoints only', {
        endpoint: name,
        variants: variants.length,
      });
      return undefined;
    }
    const config = (await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
    )) as DescribeEndpointConfigCommandOutput;
    const instanceType =
      config.ProductionVariants?.find((candidate) => candidate.VariantName === variant.VariantName)
        ?.InstanceType ?? 'unknown';
    const tags = (await sagemaker.send(
      new ListTagsCommand({ ResourceArn: endpoint.EndpointArn }),
    )) as ListTagsCommandOutput;
    const components = (await sagemaker.send(
      new ListInferenceComponentsCommand({ EndpointNameEquals: name }),
    )) as ListInferenceComponentsCommandOutput;
    const componentNames = (components.InferenceComponents ?? []).flatMap((c) =>
      c.InferenceComponentName ? [c.InferenceComponentName] : [],
    );
    if (componentNames.length > 1) {
      props.log?.warn('endpoint skipped: more than one inference component', { endpoint: name });
      return undefined;
    }
    let inferenceComponent: SageMakerEndpointInfo['inferenceComponent'];
    if (componentNames[0]) {
      const component = (await sagemaker.send(
        new DescribeInferenceComponentCommand({ InferenceComponentName: componentNames[0] }),
      )) as DescribeInferenceComponentCommandOutput;
      inferenceComponent = {
        name: componentNames[0],
        copyCount: component.RuntimeConfig?.CurrentCopyCount ?? 0,
      };
    }
    return {
      name,
      arn: endpoint.EndpointArn,
      variantName: variant.VariantName ?? 'AllTraffic',
      instanceType,
      instanceCount: variant.CurrentInstanceCount ?? 0,
      gpusPerInstance: gpusPerInstance(instanceType),
      inferenceComponent,
      tags: Object.fromEntries(
        (tags.Tags ?? []).flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? '']] : [])),
      ),
    };
  }
}

/** Translates GetMetricData results (`invocations`, `gpu` ids) into hourly points. */
export function metricsFromGetMetricData(output: GetMetricDataCommandOutput): EndpointMetrics {
  const series = (id: string): HourlyPoint[] | undefined => {
    const result = output.MetricDataResults?.find((candidate) => candidate.Id === id);
    if (!result) return undefined;
    const timestamps = result.Timestamps ?? [];
    return timestamps.map((at, index) => ({
      at: new Date(at).toISOString(),
      value: result.Values?.[index] ?? 0,
    }));
  };
  const gpu = series('gpu');
  return {
    invocations: series('invocations') ?? [],
    gpuUtilisationPercent: gpu && gpu.length > 0 ? gpu : undefined,
  };
}
