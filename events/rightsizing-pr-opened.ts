import * as z from 'zod';
import { currencyCode, defineContract, isoTimestamp, moneyText, schemaVersionField } from './contract';
import { workloadRefSchema } from './rightsizing-recommended';

const SCHEMA_VERSION = 1;

/** A rightsizing (or GitOps scale-down) pull request was opened, or an existing one updated. */
export const rightsizingPrOpenedSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  recommendationId: z.string().min(1),
  workload: workloadRefSchema,
  backend: z.enum(['github', 'local-git']),
  repository: z.string().min(1),
  branch: z.string().min(1),
  pullRequest: z.object({ number: z.number().int().positive(), url: z.string().min(1) }),
  action: z.enum(['opened', 'updated', 'unchanged']),
  filesChanged: z.array(z.string()),
  monthlySavings: moneyText,
  currency: currencyCode,
  openedAt: isoTimestamp,
});

export type RightsizingPrOpened = z.infer<typeof rightsizingPrOpenedSchema>;

export const RightsizingPrOpenedEvent = defineContract({
  detailType: 'Rightsizing PR Opened',
  schemaVersion: SCHEMA_VERSION,
  schema: rightsizingPrOpenedSchema,
  sample: {
    schemaVersion: 1,
    recommendationId: 'prod-eks/vision/Deployment/image-captioner/rightsize-1/5f0c1e',
    workload: { cluster: 'prod-eks', namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
    backend: 'github',
    repository: 'apexlogic/gitops',
    branch: 'finops/rightsize/vision/image-captioner',
    pullRequest: { number: 42, url: 'https://github.com/apexlogic/gitops/pull/42' },
    action: 'opened',
    filesChanged: ['apps/vision/image-captioner/deployment.yaml'],
    monthlySavings: '142.35',
    currency: 'USD',
    openedAt: '2026-08-15T02:06:10.000Z',
  },
});
