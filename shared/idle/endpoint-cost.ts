import type { CostPoint } from '#shared/cost/cost-point';
import { ContributorDimension } from '#shared/cost/series-key';
import type { DailyCost } from '#shared/idle/idle-detector';

/** The billing series holding SageMaker costs; its `resource` contributors name endpoints. */
export const SAGEMAKER_SERIES_KEY = 'service=Amazon SageMaker';

/** True when a billing resource id (ARN or bare name) denotes the endpoint. */
export function resourceMatchesEndpoint(resource: string, endpoint: { name: string; arn: string }): boolean {
  const lower = resource.toLowerCase();
  const name = endpoint.name.toLowerCase();
  return lower === endpoint.arn.toLowerCase() || lower === name || lower.endsWith(`:endpoint/${name}`);
}

/**
 * The endpoint's cost on the latest final (non-provisional) day of the SageMaker series whose
 * `resource` contributors include it; undefined when the series does not name it (contributors
 * are a top-N, so a small endpoint may be missing).
 */
export function dailyCostFromSeries(
  points: readonly CostPoint[],
  endpoint: { name: string; arn: string },
): DailyCost | undefined {
  const ordered = [...points]
    .filter((point) => !point.provisional)
    .sort((a, b) => b.day.localeCompare(a.day));
  for (const point of ordered) {
    const match = point.contributors?.find(
      (contributor) =>
        contributor.dimension === ContributorDimension.resource &&
        resourceMatchesEndpoint(contributor.value, endpoint),
    );
    if (match)
      return { amount: match.amount, currency: point.currency, source: 'cost-series', day: point.day };
  }
  return undefined;
}
