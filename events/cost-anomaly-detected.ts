import * as z from 'zod';
import {
  currencyCode,
  defineContract,
  isoDay,
  isoTimestamp,
  moneyText,
  schemaVersionField,
} from './contract';

const SCHEMA_VERSION = 1;

/** One child series' part in an anomaly, ranked by its share of the money delta. */
export const contributorSchema = z.object({
  /** `service`, `resource`, `usage-type`, `account`, `region`, `k8s-namespace`, ... */
  dimension: z.string().min(1),
  value: z.string(),
  actual: moneyText,
  expected: moneyText,
  delta: moneyText,
  /** delta ÷ the series' total delta, 0..1 for contributors that moved with the series. */
  share: z.number(),
});

/**
 * A cost anomaly episode opened, or its severity rose. Fired once per episode and severity
 * level, not once per anomalous day.
 */
export const costAnomalyDetectedSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  /** Deterministic: series + currency + first anomalous day. */
  anomalyId: z.string().min(1),
  trigger: z.enum(['opened', 'severity-raised']),
  series: z.object({
    key: z.string().min(1),
    currency: currencyCode,
    dimension: z.string().min(1),
    value: z.string(),
  }),
  /** First anomalous day (inclusive) and the latest day evaluated in the episode (inclusive). */
  startDay: isoDay,
  lastDay: isoDay,
  status: z.enum(['open', 'closed']),
  durationDays: z.number().int().positive(),
  actual: moneyText,
  expected: moneyText,
  expectedLow: moneyText,
  expectedHigh: moneyText,
  /** actual − expected on lastDay. */
  impact: moneyText,
  impactPercent: z.number(),
  cumulativeImpact: moneyText,
  /** 0..1, how unusual the day is statistically. */
  score: z.number().min(0).max(1),
  maxScore: z.number().min(0).max(1),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  contributors: z.array(contributorSchema),
  monitor: z.string().min(1),
  detectorVersion: z.string().min(1),
  detectedAt: isoTimestamp,
});

export type CostAnomalyDetected = z.infer<typeof costAnomalyDetectedSchema>;
export type AnomalyContributor = z.infer<typeof contributorSchema>;

export const CostAnomalyDetectedEvent = defineContract({
  detailType: 'Cost Anomaly Detected',
  schemaVersion: SCHEMA_VERSION,
  schema: costAnomalyDetectedSchema,
  sample: {
    schemaVersion: 1,
    anomalyId: 'USD|tag:cost-center=ai-vision|2026-08-19',
    trigger: 'opened',
    series: {
      key: 'tag:cost-center=ai-vision',
      currency: 'USD',
      dimension: 'tag:cost-center',
      value: 'ai-vision',
    },
    startDay: '2026-08-19',
    lastDay: '2026-08-19',
    status: 'open',
    durationDays: 1,
    actual: '2861.44',
    expected: '1012.8',
    expectedLow: '951.2',
    expectedHigh: '1074.4',
    impact: '1848.64',
    impactPercent: 182.5,
    cumulativeImpact: '1848.64',
    score: 0.99,
    maxScore: 0.99,
    severity: 'high',
    contributors: [
      {
        dimension: 'resource',
        value: 'image-captioner',
        actual: '2490.1',
        expected: '652.3',
        delta: '1837.8',
        share: 0.994,
      },
    ],
    monitor: 'cost-centers',
    detectorVersion: 'seasonal-mad/2',
    detectedAt: '2026-08-21T06:15:00.000Z',
  },
});
