import { type Money, parseMoney } from '#shared/money';

/** Hourly on-demand price (decimal text, USD) and GPUs of a SageMaker hosting instance type. */
export interface InstancePrice {
  hourlyUsd: string;
  gpus: number;
}

/**
 * Approximate SageMaker real-time inference list prices (us-east-1, on-demand, USD/hour). Used
 * only when the billing series has no figure for the endpoint; the cost series always wins.
 */
export const SAGEMAKER_INSTANCE_PRICES: Readonly<Record<string, InstancePrice>> = {
  'ml.m5.large': { hourlyUsd: '0.115', gpus: 0 },
  'ml.m5.xlarge': { hourlyUsd: '0.23', gpus: 0 },
  'ml.c5.xlarge': { hourlyUsd: '0.204', gpus: 0 },
  'ml.g4dn.xlarge': { hourlyUsd: '0.736', gpus: 1 },
  'ml.g4dn.2xlarge': { hourlyUsd: '1.052', gpus: 1 },
  'ml.g5.xlarge': { hourlyUsd: '1.408', gpus: 1 },
  'ml.g5.2xlarge': { hourlyUsd: '1.515', gpus: 1 },
  'ml.g5.12xlarge': { hourlyUsd: '7.09', gpus: 4 },
  'ml.g5.48xlarge': { hourlyUsd: '20.36', gpus: 8 },
  'ml.g6.xlarge': { hourlyUsd: '1.1644', gpus: 1 },
  'ml.p3.2xlarge': { hourlyUsd: '3.825', gpus: 1 },
  'ml.p4d.24xlarge': { hourlyUsd: '37.688', gpus: 8 },
  'ml.inf2.xlarge': { hourlyUsd: '0.99', gpus: 0 },
};

/** Daily cost of `count` instances of `instanceType` from the table, or undefined when unknown. */
export function dailyCostFromPriceTable(
  instanceType: string,
  count: number,
  prices: Readonly<Record<string, InstancePrice>> = SAGEMAKER_INSTANCE_PRICES,
): Money | undefined {
  const price = prices[instanceType];
  if (!price) return undefined;
  return parseMoney(price.hourlyUsd) * 24n * BigInt(count);
}

/** GPUs per instance of a type (0 when unknown or CPU-only). */
export function gpusPerInstance(instanceType: string): number {
  return SAGEMAKER_INSTANCE_PRICES[instanceType]?.gpus ?? 0;
}
