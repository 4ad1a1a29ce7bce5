/**
 * Generates the bundled billing sample: a FOCUS 1.0 CSV export (the columns and style of the
 * FinOps Foundation's AWS sample: `NULL` literals, `YYYY-MM-DD HH:MM:SS` timestamps, JSON Tags, a
 * UTF-8 BOM) for the fictional AI SaaS company ApexLogic. Seeded and deterministic: the same
 * options always give the same bytes. It holds exactly one real incident (incident.json); the
 * monthly support fee, the credit and the weekend dips are normal behaviour a detector must accept.
 *
 * CLI: `npx tsx samples/billing/generate-focus-sample.ts [outFile] [--seed N] [--start YYYY-MM-DD] [--days N]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatMoneyFixed, type Money } from '#shared/money';
import incident from './incident.json';

/** The truth about the sample's one incident, for tests and the e2e run to assert. */
export const SAMPLE_INCIDENT = incident;

/** Defaults: 92 days ending 2026-08-31; the incident (2026-08-19) is final, not in the last two days. */
export const SAMPLE_DEFAULTS = { seed: 20260831, startDay: '2026-06-01', days: 92 } as const;

/** Where `npm start` keeps the generated sample, relative to the repository root (git-ignored). */
export const DEFAULT_SAMPLE_FILE = '.finops/samples/apexlogic-focus-1.0.csv';

/** The FOCUS columns, in the order of the FinOps Foundation sample (43 FOCUS 1.0 columns plus its `Id`). */
// biome-ignore format: one column list, kept compact
export const FOCUS_COLUMNS = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd',
  'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd',
  'ChargePeriodStart', 'CommitmentDiscountCategory', 'CommitmentDiscountId', 'CommitmentDiscountName',
  'CommitmentDiscountStatus', 'CommitmentDiscountType', 'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost',
  'ContractedUnitPrice', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
  'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId',
  'ResourceName', 'ResourceType', 'ServiceCategory', 'Id', 'ServiceName', 'SkuId', 'SkuPriceId', 'SubAccountId',
  'SubAccountName', 'Tags',
] as const;

type Column = (typeof FOCUS_COLUMNS)[number];
/** Columns written without quotes (numbers), as in the FinOps Foundation sample. */
// biome-ignore format: kept compact
const NUMERIC_COLUMNS = new Set<Column>([
  'BilledCost', 'ConsumedQuantity', 'ContractedCost', 'ContractedUnitPrice', 'EffectiveCost', 'ListCost',
  'PricingQuantity', 'Id',
]);

export interface FocusSampleOptions {
  seed?: number;
  /** First charge day, `YYYY-MM-DD` (UTC). */
  startDay?: string;
  days?: number;
  outFile: string;
}

/** What was written. */
export interface FocusSampleResult {
  outFile: string;
  rows: number;
  bytes: number;
  firstDay: string;
  lastDay: string;
}

/** Writes the sample CSV (creating folders) and returns its size. */
export function generateFocusSample(options: FocusSampleOptions): FocusSampleResult {
  const text = renderFocusSample(options);
  mkdirSync(path.dirname(options.outFile), { recursive: true });
  writeFileSync(options.outFile, text);
  const startDay = options.startDay ?? SAMPLE_DEFAULTS.startDay;
  const days = options.days ?? SAMPLE_DEFAULTS.days;
  return {
    outFile: options.outFile,
    rows: text.split('\n').length - 2,
    bytes: Buffer.byteLength(text),
    firstDay: startDay,
    lastDay: addDays(startDay, days - 1),
  };
}

/** The sample as text (BOM, header, one line per row, trailing newline). Pure. */
export function renderFocusSample(options: Omit<FocusSampleOptions, 'outFile'>): string {
  const seed = options.seed ?? SAMPLE_DEFAULTS.seed;
  const startDay = options.startDay ?? SAMPLE_DEFAULTS.startDay;
  const days = options.days ?? SAMPLE_DEFAULTS.days;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDay))
    throw new RangeError(`startDay must be YYYY-MM-DD, got ${startDay}`);
  if (!Number.isInteger(days) || days < 1 || days > 1000)
    throw new RangeError(`days must be 1..1000, got ${days}`);
  const random = mulberry32(seed);
  const lines: string[] = [FOCUS_COLUMNS.map((column) => `"${column}"`).join(',')];
  let id = 7_000_001;
  for (let offset = 0; offset < days; offset += 1) {
    const day = addDays(startDay, offset);
    for (const row of rowsForDay(day, offset, random)) lines.push(toCsvLine({ ...row, Id: String(id++) }));
  }
  return `\uFEFF${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The company: accounts, regions and workloads.

const BILLING_ACCOUNT = { id: '000123456789', name: 'ApexLogic Inc.' };
const ACCOUNTS = {
  mlProd: { id: '012345678901', name: 'apexlogic-ml-prod' },
  platformProd: { id: '004455667788', name: 'apexlogic-platform-prod' },
  mlStaging: { id: '000987654321', name: 'apexlogic-ml-staging' },
  shared: { id: '031415926535', name: 'apexlogic-shared-services' },
} as const;
type Account = (typeof ACCOUNTS)[keyof typeof ACCOUNTS];
const REGIONS = {
  use1: { id: 'us-east-1', name: 'US East (N. Virginia)' },
  usw2: { id: 'us-west-2', name: 'US West (Oregon)' },
  euw1: { id: 'eu-west-1', name: 'Europe (Ireland)' },
} as const;
type Region = (typeof REGIONS)[keyof typeof REGIONS];

const SERVICE = {
  ec2: { name: 'Amazon Elastic Compute Cloud', category: 'Compute' },
  sagemaker: { name: 'Amazon SageMaker', category: 'AI and Machine Learning' },
  s3: { name: 'Amazon Simple Storage Service', category: 'Storage' },
  dataTransfer: { name: 'AWS Data Transfer', category: 'Networking' },
  cloudwatch: { name: 'AmazonCloudWatch', category: 'Management and Governance' },
  eks: { name: 'Amazon Elastic Kubernetes Service', category: 'Compute' },
  support: { name: 'AWS Support (Business)', category: 'Other' },
} as const;
type Service = (typeof SERVICE)[keyof typeof SERVICE];

interface Tags {
  'cost-center': 'ai-vision' | 'ai-nlp' | 'platform';
  team: string;
  environment: 'prod' | 'staging';
  application?: string;
}

/** One usage line item, repeated daily. Quantities are per day; cost = quantity × unit price, exactly. */
interface UsageSpec {
  resourceId: string | null;
  resourceName: string | null;
  resourceType: string | null;
  account: Account;
  region: Region;
  zone: string | null;
  service: Service;
  description: string;
  unitPrice: string;
  pricingUnit: string;
  /** Usage per day before seasonality, trend and noise. */
  quantity: (day: string) => number;
  /** Multiplier on Saturdays and Sundays (1 = always on). */
  weekendFactor: number;
  /** Relative day-to-day noise (standard deviation), 0 for fixed always-on capacity. */
  noise: number;
  /** Growth per day, compounding (0.0008 ≈ +7.6% over 92 days). */
  trendPerDay: number;
  tags: Tags | null;
  /** First day the line exists (inclusive). */
  from?: string;
}

const vision = (environment: Tags['environment'] = 'prod'): Tags => ({
  'cost-center': 'ai-vision',
  team: 'vision',
  environment,
});
const nlp = (environment: Tags['environment'] = 'prod'): Tags => ({
  'cost-center': 'ai-nlp',
  team: 'nlp',
  environment,
});
const platform = (): Tags => ({ 'cost-center': 'platform', team: 'platform', environment: 'prod' });
const perDay = (value: number) => () => value;
/** A monthly quantity (GB-Mo) spread over the days of the month. */
const monthly = (perMonth: number) => (day: string) => perMonth / daysInMonth(day);

function instance(props: {
  id: string;
  name: string;
  type: string;
  price: string;
  account: Account;
  region: Region;
  zone: string;
  tags: Tags;
  hours?: number;
  weekendFactor?: number;
  noise?: number;
  from?: string;
}): UsageSpec {
  return {
    resourceId: `arn:aws:ec2:${props.region.id}:${props.account.id}:instance/${props.id}`,
    resourceName: props.name,
    resourceType: 'instance',
    account: props.account,
    region: props.region,
    zone: props.zone,
    service: SERVICE.ec2,
    description: `$${props.price} per On Demand Linux ${props.type} Instance Hour`,
    unitPrice: props.price,
    pricingUnit: 'Hours',
    quantity: perDay(props.hours ?? 24),
    weekendFactor: props.weekendFactor ?? 1,
    noise: props.noise ?? 0,
    trendPerDay: 0,
    tags: { ...props.tags, application: props.name },
    ...(props.from ? { from: props.from } : {}),
  };
}

function volume(props: {
  id: string;
  gb: number;
  account: Account;
  region: Region;
  zone: string;
  tags: Tags;
}): UsageSpec {
  return {
    resourceId: `arn:aws:ec2:${props.region.id}:${props.account.id}:volume/${props.id}`,
    resourceName: null,
    resourceType: 'volume',
    account: props.account,
    region: props.region,
    zone: props.zone,
    service: SERVICE.ec2,
    description: '$0.08 per GB-month of General Purpose (gp3) provisioned storage',
    unitPrice: '0.08',
    pricingUnit: 'GB-Mo',
    quantity: monthly(props.gb),
    weekendFactor: 1,
    noise: 0,
    trendPerDay: 0,
    tags: props.tags,
  };
}

function endpoint(props: {
  name: string;
  type: string;
  price: string;
  instances: number;
  account: Account;
  region: Region;
  tags: Tags;
}): UsageSpec {
  return {
    resourceId: `arn:aws:sagemaker:${props.region.id}:${props.account.id}:endpoint/${props.name}`,
    resourceName: props.name,
    resourceType: 'endpoint',
    account: props.account,
    region: props.region,
    zone: null,
    service: SERVICE.sagemaker,
    description: `$${props.price} per Hour for ${props.type}-Hosting in ${props.region.name}`,
    unitPrice: props.price,
    pricingUnit: 'Hours',
    quantity: perDay(24 * props.instances),
    weekendFactor: 1,
    noise: 0,
    trendPerDay: 0,
    tags: { ...props.tags, application: props.name },
  };
}

function training(props: {
  name: string;
  type: string;
  price: string;
  hours: number;
  weekendFactor: number;
  account: Account;
  region: Region;
  tags: Tags;
}): UsageSpec {
  return {
    resourceId: `arn:aws:sagemaker:${props.region.id}:${props.account.id}:training-job/${props.name}`,
    resourceName: props.name,
    resourceType: 'training-job',
    account: props.account,
    region: props.region,
    zone: null,
    service: SERVICE.sagemaker,
    description: `$${props.price} per Hour for ${props.type}-Training in ${props.region.name}`,
    unitPrice: props.price,
    pricingUnit: 'Hours',
    quantity: perDay(props.hours),
    weekendFactor: props.weekendFactor,
    noise: 0.04,
    trendPerDay: 0.0005,
    tags: { ...props.tags, application: props.name },
  };
}

function bucket(props: {
  name: string;
  gbMonth: number;
  account: Account;
  region: Region;
  tags: Tags;
}): UsageSpec[] {
  const base = {
    resourceId: `arn:aws:s3:::${props.name}`,
    resourceName: props.name,
    resourceType: 'bucket',
    account: props.account,
    region: props.region,
    zone: null,
    service: SERVICE.s3,
    tags: props.tags,
  };
  return [
    {
      ...base,
      description: '$0.023 per GB - first 50 TB / month of storage used',
      unitPrice: '0.023',
      pricingUnit: 'GB-Mo',
      quantity: monthly(props.gbMonth),
      weekendFactor: 1,
      noise: 0.002,
      trendPerDay: 0.001,
    },
    {
      ...base,
      description: '$0.005 per 1,000 PUT, COPY, POST, or LIST requests',
      unitPrice: '0.005',
      pricingUnit: '1K Requests',
      quantity: perDay(props.gbMonth / 40),
      weekendFactor: 0.6,
      noise: 0.05,
      trendPerDay: 0.0008,
    },
  ];
}

function dataTransfer(props: {
  gb: number;
  price: string;
  kind: string;
  account: Account;
  region: Region;
  tags: Tags;
}): UsageSpec {
  return {
    resourceId: null,
    resourceName: null,
    resourceType: null,
    account: props.account,
    region: props.region,
    zone: null,
    service: SERVICE.dataTransfer,
    description: `$${props.price} per GB - ${props.kind}`,
    unitPrice: props.price,
    pricingUnit: 'GB',
    quantity: perDay(props.gb),
    weekendFactor: 0.55,
    noise: 0.04,
    trendPerDay: 0.0008,
    tags: props.tags,
  };
}

function logs(props: { group: string; gb: number; account: Account; region: Region; tags: Tags }): UsageSpec {
  return {
    resourceId: `arn:aws:logs:${props.region.id}:${props.account.id}:log-group:${props.group}`,
    resourceName: props.group,
    resourceType: 'log-group',
    account: props.account,
    region: props.region,
    zone: null,
    service: SERVICE.cloudwatch,
    description: `$0.50 per GB-mo log data ingested - ${props.region.name}`,
    unitPrice: '0.50',
    pricingUnit: 'GB',
    quantity: perDay(props.gb),
    weekendFactor: 0.7,
    noise: 0.03,
    trendPerDay: 0.0008,
    tags: props.tags,
  };
}

const { mlProd, platformProd, mlStaging, shared } = ACCOUNTS;
const { use1, usw2, euw1 } = REGIONS;
const G5_12XL = { type: 'g5.12xlarge', price: '5.672' };

/** The captioner's fleet: 2 instances always, 4 more from the incident day on (autoscaling stuck at max). */
const CAPTIONER_FLEET: UsageSpec[] = [
  ...['i-0a7c3e91d2b4f6001', 'i-0a7c3e91d2b4f6002'].map((id, index) =>
    instance({
      id,
      name: 'image-captioner',
      ...G5_12XL,
      account: mlProd,
      region: use1,
      zone: `us-east-1${'ab'[index]}`,
      tags: vision(),
    }),
  ),
  ...['i-0c91f04e7b3a28101', 'i-0c91f04e7b3a28102', 'i-0c91f04e7b3a28103', 'i-0c91f04e7b3a28104'].map(
    (id, index) =>
      instance({
        id,
        name: 'image-captioner',
        ...G5_12XL,
        account: mlProd,
        region: use1,
        zone: `us-east-1${'abab'[index]}`,
        tags: vision(),
        from: incident.day,
      }),
  ),
];

const USAGE: UsageSpec[] = [
  // ai-vision
  ...CAPTIONER_FLEET,
  volume({
    id: 'vol-0f1e2d3c4b5a69001',
    gb: 500,
    account: mlProd,
    region: use1,
    zone: 'us-east-1a',
    tags: vision(),
  }),
  volume({
    id: 'vol-0f1e2d3c4b5a69002',
    gb: 500,
    account: mlProd,
    region: use1,
    zone: 'us-east-1b',
    tags: vision(),
  }),
  endpoint({
    name: 'image-tagger',
    type: 'ml.g5.2xlarge',
    price: '1.515',
    instances: 2,
    account: mlProd,
    region: use1,
    tags: vision(),
  }),
  training({
    name: 'vision-finetune',
    type: 'ml.p4d.24xlarge',
    price: '37.688',
    hours: 4,
    weekendFactor: 0.25,
    account: mlProd,
    region: use1,
    tags: vision(),
  }),
  instance({
    id: 'i-0d44b2a19e8c73001',
    name: 'vision-batch-embedder',
    type: 'p4d.24xlarge',
    price: '32.7726',
    hours: 3,
    weekendFactor: 0.3,
    noise: 0.05,
    account: mlProd,
    region: use1,
    zone: 'us-east-1c',
    tags: vision(),
  }),
  ...bucket({
    name: 'apexlogic-vision-datasets',
    gbMonth: 38_000,
    account: mlProd,
    region: use1,
    tags: vision(),
  }),
  dataTransfer({
    gb: 650,
    price: '0.09',
    kind: 'first 10 TB / month data transfer out beyond the global free tier',
    account: mlProd,
    region: use1,
    tags: vision(),
  }),
  logs({ group: '/apexlogic/vision/image-captioner', gb: 36, account: mlProd, region: use1, tags: vision() }),
  instance({
    id: 'i-0e5d6c7b8a9f01001',
    name: 'image-captioner-staging',
    type: 'g5.xlarge',
    price: '1.006',
    hours: 12,
    weekendFactor: 0,
    account: mlStaging,
    region: use1,
    zone: 'us-east-1a',
    tags: vision('staging'),
  }),
  // ai-nlp
  ...['i-0b12c34d56e78f001', 'i-0b12c34d56e78f002', 'i-0b12c34d56e78f003'].map((id, index) =>
    instance({
      id,
      name: 'sentiment-api',
      type: 'g5.xlarge',
      price: '1.006',
      account: mlProd,
      region: usw2,
      zone: `us-west-2${'abc'[index]}`,
      tags: nlp(),
      hours: index < 2 ? 24 : 18,
      weekendFactor: index < 2 ? 1 : 0.5,
      noise: index < 2 ? 0 : 0.05,
    }),
  ),
  ...['i-0f9e8d7c6b5a4e001', 'i-0f9e8d7c6b5a4e002'].map((id, index) =>
    instance({
      id,
      name: 'sentiment-api',
      type: 'g5.xlarge',
      price: '1.123',
      account: mlProd,
      region: euw1,
      zone: `eu-west-1${'ab'[index]}`,
      tags: nlp(),
    }),
  ),
  endpoint({
    name: 'llm-summarizer',
    type: 'ml.g5.12xlarge',
    price: '7.09',
    instances: 1,
    account: mlProd,
    region: usw2,
    tags: nlp(),
  }),
  endpoint({
    name: 'sentiment-gpu-staging',
    type: 'ml.g5.xlarge',
    price: '1.408',
    instances: 2,
    account: mlStaging,
    region: use1,
    tags: nlp('staging'),
  }),
  training({
    name: 'nlp-finetune',
    type: 'ml.p4d.24xlarge',
    price: '37.688',
    hours: 3,
    weekendFactor: 0.2,
    account: mlProd,
    region: usw2,
    tags: nlp(),
  }),
  ...bucket({ name: 'apexlogic-nlp-corpora', gbMonth: 12_000, account: mlProd, region: usw2, tags: nlp() }),
  dataTransfer({
    gb: 420,
    price: '0.09',
    kind: 'first 10 TB / month data transfer out beyond the global free tier',
    account: mlProd,
    region: usw2,
    tags: nlp(),
  }),
  logs({ group: '/apexlogic/nlp/sentiment-api', gb: 22, account: mlProd, region: usw2, tags: nlp() }),
  // platform
  ...['prod-eks', 'staging-eks'].map((cluster) => ({
    resourceId: `arn:aws:eks:us-east-1:${platformProd.id}:cluster/${cluster}`,
    resourceName: cluster,
    resourceType: 'cluster',
    account: platformProd,
    region: use1,
    zone: null,
    service: SERVICE.eks,
    description: '$0.10 per hour per Amazon EKS cluster',
    unitPrice: '0.10',
    pricingUnit: 'Hours',
    quantity: perDay(24),
    weekendFactor: 1,
    noise: 0,
    trendPerDay: 0,
    tags: platform(),
  })),
  ...Array.from({ length: 8 }, (_, index) =>
    instance({
      id: `i-0123abcd4567ef${String(index + 1).padStart(3, '0')}`,
      name: 'eks-general-nodes',
      type: 'm6i.2xlarge',
      price: '0.384',
      account: platformProd,
      region: use1,
      zone: `us-east-1${'abc'[index % 3]}`,
      tags: platform(),
      hours: 24,
      weekendFactor: index < 6 ? 1 : 0.35,
      noise: index < 6 ? 0 : 0.06,
    }),
  ),
  ...Array.from({ length: 4 }, (_, index) =>
    instance({
      id: `i-0456cdef7890ab${String(index + 1).padStart(3, '0')}`,
      name: 'eks-eu-nodes',
      type: 'm6i.xlarge',
      price: '0.214',
      account: platformProd,
      region: euw1,
      zone: `eu-west-1${'abc'[index % 3]}`,
      tags: platform(),
    }),
  ),
  logs({ group: '/apexlogic/platform/eks', gb: 110, account: platformProd, region: use1, tags: platform() }),
  ...bucket({
    name: 'apexlogic-platform-artifacts',
    gbMonth: 5_000,
    account: platformProd,
    region: use1,
    tags: platform(),
  }),
  ...bucket({
    name: 'apexlogic-billing-exports',
    gbMonth: 200,
    account: shared,
    region: use1,
    tags: platform(),
  }),
  dataTransfer({
    gb: 300,
    price: '0.02',
    kind: 'US East (N. Virginia) data transfer to Europe (Ireland)',
    account: platformProd,
    region: use1,
    tags: platform(),
  }),
];

/** The Business support fee of each month, charged on the 1st (no region, no tags, like AWS). */
const SUPPORT_FEE_BASE = 2_700;
/** The one credit: a promotional credit applied on this day. */
const CREDIT = {
  day: '2026-07-15',
  amount: '-750.0000000000',
  service: SERVICE.sagemaker,
  account: mlProd,
  region: use1,
};

interface Row extends Partial<Record<Column, string>> {}

function rowsForDay(day: string, offset: number, random: () => number): Row[] {
  const rows: Row[] = [];
  const weekend = isWeekend(day);
  for (const spec of USAGE) {
    if (spec.from && day < spec.from) continue;
    const seasonal = weekend ? spec.weekendFactor : 1;
    const trend = (1 + spec.trendPerDay) ** offset;
    // Always draw the noise so adding or removing a line never shifts the others' random stream.
    const noise = 1 + spec.noise * gaussian(random);
    let quantity = spec.quantity(day) * seasonal * trend * Math.max(0.5, noise);
    if (spec.pricingUnit === 'Hours')
      quantity = Math.min(quantity, spec.resourceType === 'instance' ? 24 : quantity);
    if (quantity <= 0) continue;
    rows.push(usageRow(spec, day, quantity));
  }
  if (day.endsWith('-01')) rows.push(supportFeeRow(day, random));
  if (day === CREDIT.day) rows.push(creditRow(day));
  return rows;
}

function usageRow(spec: UsageSpec, day: string, quantity: number): Row {
  // Quantity to 4 decimals and unit price to at most 6 make the cost exact at 10 decimals.
  const quantityUnits = BigInt(Math.round(quantity * 10_000));
  const cost: Money = quantityUnits * decimalUnits(spec.unitPrice, 6);
  const costText = formatMoneyFixed(cost, 10);
  const quantityText = formatMoneyFixed(quantityUnits * 1_000_000n, 4);
  return {
    ...commonColumns(day, spec.account, spec.region),
    AvailabilityZone: spec.zone ?? 'NULL',
    BilledCost: costText,
    ChargeCategory: 'Usage',
    ChargeDescription: spec.description,
    ChargeFrequency: 'Usage-Based',
    ConsumedQuantity: quantityText,
    ConsumedUnit: spec.pricingUnit,
    ContractedCost: costText,
    ContractedUnitPrice: formatMoneyFixed(decimalUnits(spec.unitPrice, 10), 10),
    EffectiveCost: costText,
    ListCost: costText,
    ListUnitPrice: spec.unitPrice,
    PricingCategory: 'Standard',
    PricingQuantity: quantityText,
    PricingUnit: spec.pricingUnit,
    ResourceId: spec.resourceId ?? 'NULL',
    ResourceName: spec.resourceName ?? 'NULL',
    ResourceType: spec.resourceType ?? 'NULL',
    ServiceCategory: spec.service.category,
    ServiceName: spec.service.name,
    SkuId: skuId(`${spec.service.name}|${spec.description}|${spec.region.id}`),
    SkuPriceId: `${skuId(`${spec.service.name}|${spec.description}|${spec.region.id}`)}.JRTCKXETXF.6YS6EN2CT7`,
    Tags: spec.tags ? JSON.stringify(spec.tags) : 'NULL',
  };
}

function supportFeeRow(day: string, random: () => number): Row {
  // About 7% of the previous month's usage, a little different each month.
  const amount = formatMoneyFixed(
    BigInt(Math.round((SUPPORT_FEE_BASE + random() * 200) * 100)) * 100_000_000n,
    10,
  );
  return {
    ...commonColumns(day, shared, null),
    ChargePeriodEnd: `${firstOfNextMonth(day)} 00:00:00`,
    BilledCost: amount,
    ChargeCategory: 'Purchase',
    ChargeDescription: 'AWS Support (Business) monthly fee',
    ChargeFrequency: 'Recurring',
    ConsumedQuantity: 'NULL',
    ConsumedUnit: 'NULL',
    ContractedCost: amount,
    ContractedUnitPrice: amount,
    EffectiveCost: amount,
    ListCost: amount,
    ListUnitPrice: amount,
    PricingCategory: 'Standard',
    PricingQuantity: '1.0000',
    PricingUnit: 'Months',
    ServiceCategory: SERVICE.support.category,
    ServiceName: SERVICE.support.name,
    SkuId: skuId('support-business'),
    SkuPriceId: `${skuId('support-business')}.JRTCKXETXF.PGHJ3S3EYE`,
  };
}

function creditRow(day: string): Row {
  return {
    ...commonColumns(day, CREDIT.account, CREDIT.region),
    BilledCost: CREDIT.amount,
    ChargeCategory: 'Credit',
    ChargeDescription: 'AWS Activate promotional credit, applied to Amazon SageMaker',
    ChargeFrequency: 'One-Time',
    ContractedCost: CREDIT.amount,
    ContractedUnitPrice: CREDIT.amount,
    EffectiveCost: CREDIT.amount,
    ListCost: CREDIT.amount,
    PricingCategory: 'Other',
    PricingQuantity: '0.0000',
    PricingUnit: 'Hours',
    ServiceCategory: CREDIT.service.category,
    ServiceName: CREDIT.service.name,
    SkuId: skuId('activate-credit'),
  };
}

function commonColumns(day: string, account: Account, region: Region | null): Row {
  const monthStart = `${day.slice(0, 7)}-01`;
  return {
    BillingAccountId: BILLING_ACCOUNT.id,
    BillingAccountName: BILLING_ACCOUNT.name,
    BillingCurrency: 'USD',
    BillingPeriodStart: `${monthStart} 00:00:00`,
    BillingPeriodEnd: `${firstOfNextMonth(day)} 00:00:00`,
    ChargePeriodStart: `${day} 00:00:00`,
    ChargePeriodEnd: `${addDays(day, 1)} 00:00:00`,
    InvoiceIssuerName: 'Amazon Web Services, Inc.',
    ProviderName: 'AWS',
    PublisherName: 'Amazon Web Services, Inc.',
    RegionId: region?.id ?? 'NULL',
    RegionName: region?.name ?? 'NULL',
    SubAccountId: account.id,
    SubAccountName: account.name,
  };
}

function toCsvLine(row: Row): string {
  return FOCUS_COLUMNS.map((column) => {
    const value = row[column] ?? 'NULL';
    if (value === 'NULL' || NUMERIC_COLUMNS.has(column)) return value;
    return `"${value.replaceAll('"', '""')}"`;
  }).join(',');
}

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers.

/** A decimal text as an integer count of 10^-scale units (the text must have ≤ scale decimals). */
function decimalUnits(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  if (fraction.length > scale) throw new RangeError(`${text} has more than ${scale} decimals`);
  return BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
}

/** mulberry32: a tiny, fast, seedable PRNG; plenty for synthetic noise. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Approximately standard normal (Irwin–Hall with 4 uniforms, so bounded to about ±3.5). */
function gaussian(random: () => number): number {
  return (random() + random() + random() + random() - 2) / Math.sqrt(4 / 12);
}

const skuIds = new Map<string, string>();
/** A stable 16-character SKU id from a label (FNV-1a over a 31-letter alphabet), memoised. */
function skuId(label: string): string {
  const known = skuIds.get(label);
  if (known) return known;
  let hash = 0xcbf29ce484222325n;
  for (const char of label)
    hash = ((hash ^ BigInt(char.codePointAt(0) ?? 0)) * 0x100000001b3n) & 0xffffffffffffffffn;
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  let text = '';
  for (let index = 0; index < 16; index += 1) {
    text += alphabet[Number(hash % BigInt(alphabet.length))];
    hash = hash / BigInt(alphabet.length) + BigInt(index * 7919);
  }
  skuIds.set(label, text);
  return text;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function isWeekend(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}

function daysInMonth(day: string): number {
  const date = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}

function firstOfNextMonth(day: string): string {
  const date = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}

function parseCliArgs(args: string[]): FocusSampleOptions {
  const options: FocusSampleOptions = { outFile: DEFAULT_SAMPLE_FILE };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    const value = () => {
      const next = args[++index];
      if (next === undefined) throw new RangeError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--seed') options.seed = Number(value());
    else if (arg === '--start') options.startDay = value();
    else if (arg === '--days') options.days = Number(value());
    else if (arg.startsWith('--')) throw new RangeError(`unknown option ${arg}`);
    else options.outFile = arg;
  }
  return options;
}

if (require.main === module) {
  const result = generateFocusSample(parseCliArgs(process.argv.slice(2)));
  process.stdout.write(
    `wrote ${result.rows} rows (${(result.bytes / 1_048_576).toFixed(1)} MiB), ${result.firstDay} … ${result.lastDay}, to ${result.outFile}\n`,
  );
}
