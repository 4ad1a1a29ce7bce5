// Seeded generator of a FOCUS 1.x CSV for the ingest benchmark: 60 days, ~40 services, ~20
// accounts, ~30k resources with tags, credits, taxes, purchases and corrections.
import { createWriteStream } from 'node:fs';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = [
  'Amazon SageMaker',
  'Amazon Elastic Compute Cloud',
  'Amazon Simple Storage Service',
  'AWS Data Transfer',
  'Amazon Relational Database Service',
  'Amazon DynamoDB',
  'AWS Lambda',
  'Amazon CloudWatch',
  'Amazon Elastic Kubernetes Service',
  'Amazon Elastic Container Service',
  'Amazon Bedrock',
  'Amazon Kinesis',
  'Amazon Simple Queue Service',
  'Amazon Simple Notification Service',
  'AWS Glue',
  'Amazon Athena',
  'Amazon Redshift',
  'Amazon ElastiCache',
  'Amazon OpenSearch Service',
  'Elastic Load Balancing',
  'Amazon Virtual Private Cloud',
  'Amazon Route 53',
  'Amazon CloudFront',
  'AWS Key Management Service',
  'AWS Secrets Manager',
  'Amazon Elastic File System',
  'Amazon FSx',
  'AWS Backup',
  'Amazon EMR',
  'AWS Step Functions',
  'Amazon EventBridge',
  'Amazon API Gateway',
  'AWS CloudTrail',
  'AWS Config',
  'Amazon GuardDuty',
  'AWS WAF',
  'Amazon Cognito',
  'AWS Shield',
  'Amazon Textract',
  'Amazon Rekognition',
];
const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-1',
  'ap-northeast-1',
  'sa-east-1',
];
const COST_CENTERS = ['ai-vision', 'ai-nlp', 'platform', 'data', 'web', 'research'];
const ENVIRONMENTS = ['prod', 'staging', 'dev'];
export const BENCH_HEADER =
  'BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,ChargeDescription,ServiceName,SubAccountId,RegionId,ResourceId,ResourceName,SkuId,BilledCost,EffectiveCost,ListCost,Tags';

interface Resource {
  prefix: string;
  suffix: string;
}

/** Writes `rows` data rows (plus header) to `file`; resolves with the bytes written. */
export async function generateFocusCsv(file: string, rows: number, seed = 42): Promise<number> {
  const rng = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
  const accounts = Array.from({ length: 20 }, (_, i) => String(1_000_000 + i * 7919 * 13).padStart(12, '0'));
  const resources: Resource[] = [];
  for (let i = 0; i < 30_000; i++) {
    const service = pick(SERVICES);
    const account = pick(accounts);
    const region = pick(REGIONS);
    const id = `arn:aws:svc:${region}:${account}:res/r-${String(i).padStart(5, '0')}`;
    const name = rng() < 0.3 ? 'NULL' : `"res-${i}"`;
    const sku = `SKU${String(Math.floor(rng() * 400)).padStart(4, '0')}`;
    const tags = `"{""cost-center"": ""${pick(COST_CENTERS)}"", ""team"": ""team-${Math.floor(rng() * 10)}"", ""environment"": ""${pick(ENVIRONMENTS)}"", ""application"": ""app-${Math.floor(rng() * 50)}""}"`;
    resources.push({
      prefix: `"${sku} ${service} usage in ${region}","${service}","${account}","${region}","${id}",${name},"${sku}",`,
      suffix: `,${rng() < 0.1 ? 'NULL' : tags}`,
    });
  }
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = 0;
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      bytes += Buffer.byteLength(text);
      if (out.write(text)) resolve();
      else {
        const onError = (error: Error) => reject(error);
        out.once('error', onError);
        out.once('drain', () => {
          out.off('error', onError);
          resolve();
        });
      }
    });
  await write(`${BENCH_HEADER}\n`);
  const start = Date.UTC(2026, 6, 1);
  let batch: string[] = [];
  for (let r = 0; r < rows; r++) {
    const dayIndex = Math.floor(rng() * 60);
    const date = new Date(start + dayIndex * 86_400_000);
    const day = date.toISOString().slice(0, 10);
    const month = day.slice(0, 7);
    const next = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1))
      .toISOString()
      .slice(0, 10);
    const hour = String(Math.floor(rng() * 24)).padStart(2, '0');
    const resource = resources[Math.floor(rng() * resources.length)]!;
    const roll = rng();
    let category = 'Usage';
    let cost = (rng() * 4).toFixed(10);
    if (roll < 0.01) {
      category = 'Credit';
      cost = `-${(rng() * 20).toFixed(10)}`;
    } else if (roll < 0.02) category = 'Tax';
    else if (roll < 0.025 && day.endsWith('-01')) category = 'Purchase';
    const chargeClass = rng() < 0.005 ? '"Correction"' : 'NULL';
    const list = (Number(cost) * 1.2).toFixed(6);
    batch.push(
      `"000111222333","USD","${month}-01 00:00:00","${next} 00:00:00","${day} ${hour}:00:00","${day} ${hour}:59:59","${category}",${chargeClass},${resource.prefix}${cost},${cost},${list}${resource.suffix}\n`,
    );
    if (batch.length === 5000) {
      await write(batch.join(''));
      batch = [];
    }
  }
  if (batch.length > 0) await write(batch.join(''));
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return bytes;
}
