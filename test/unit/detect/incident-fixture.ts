import type { ContributorAmount, CostPoint } from '#shared/cost/cost-point';
import { epochDay, isoDayOf } from '#shared/detect/cost-detector';
import { numberToMoney } from '#shared/money';
import { seededRandom } from './series-fixture';

/**
 * A small company bill (not a test file): resources with cost centers and services, a monthly
 * support fee on the 1st, a credit, weekly seasonality, and (when `incidentDay` is set) the
 * image-captioner GPU spend tripling from that day. Emits the series the ingestion produces.
 */
export function companyBill(options: {
  start: string;
  days: number;
  incidentDay?: string;
  seed?: number;
}): CostPoint[] {
  const random = seededRandom(options.seed ?? 11);
  const resources = [
    {
      resource: 'image-captioner',
      service: 'Amazon EC2',
      costCenter: 'ai-vision',
      account: '111111111111',
      usage: 'BoxUsage:g5.2xlarge',
      daily: 400,
      weekend: 1,
    },
    {
      resource: 'vision-train',
      service: 'Amazon SageMaker',
      costCenter: 'ai-vision',
      account: '111111111111',
      usage: 'ml.g5.4xlarge-Training',
      daily: 600,
      weekend: 0.5,
    },
    {
      resource: 'nlp-endpoint',
      service: 'Amazon SageMaker',
      costCenter: 'ai-nlp',
      account: '222222222222',
      usage: 'ml.g5.xlarge-Hosting',
      daily: 900,
      weekend: 0.7,
    },
    {
      resource: 'api-fleet',
      service: 'Amazon EC2',
      costCenter: 'platform',
      account: '333333333333',
      usage: 'BoxUsage:m6i.large',
      daily: 1500,
      weekend: 0.6,
    },
    {
      resource: 'data-lake',
      service: 'Amazon S3',
      costCenter: 'platform',
      account: '333333333333',
      usage: 'TimedStorage-ByteHrs',
      daily: 300,
      weekend: 1,
    },
  ];
  const first = epochDay(options.start);
  const incident = options.incidentDay ? epochDay(options.incidentDay) : Number.POSITIVE_INFINITY;
  const points: CostPoint[] = [];
  for (let i = 0; i < options.days; i += 1) {
    const day = isoDayOf(first + i);
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    const weekend = dow === 0 || dow === 6;
    const rows: Array<{ series: string[]; contributors: ContributorAmount[]; amount: number }> = [];
    for (const r of resources) {
      let amount = r.daily * (weekend ? r.weekend : 1) * (1 + 0.06 * (2 * random() - 1));
      if (r.resource === 'image-captioner' && first + i >= incident) amount *= 3;
      amount = Math.round(amount * 100) / 100;
      rows.push({
        series: [
          'total',
          `service=${r.service}`,
          `account=${r.account}`,
          `tag:cost-center=${r.costCenter}`,
          'region=us-east-1',
        ],
        contributors: [
          { dimension: 'resource', value: r.resource, amount: numberToMoney(amount) },
          { dimension: 'service', value: r.service, amount: numberToMoney(amount) },
          { dimension: 'usage-type', value: r.usage, amount: numberToMoney(amount) },
          { dimension: 'account', value: r.account, amount: numberToMoney(amount) },
        ],
        amount,
      });
    }
    if (day.endsWith('-01')) {
      const fee = { dimension: 'service', value: 'AWS Support (Business)', amount: numberToMoney(2500) };
      rows.push({
        series: ['total', 'service=AWS Support (Business)', 'account=333333333333'],
        contributors: [fee],
        amount: 2500,
      });
    }
    if (i === 40) {
      const credit = { dimension: 'service', value: 'Amazon EC2', amount: numberToMoney(-3000) };
      rows.push({
        series: ['total', 'service=Amazon EC2', 'account=333333333333'],
        contributors: [credit],
        amount: -3000,
      });
    }
    const bySeries = new Map<string, CostPoint>();
    for (const row of rows) {
      for (const seriesKey of row.series) {
        const point = bySeries.get(seriesKey) ?? {
          seriesKey,
          currency: 'USD',
          day,
          amount: 0n,
          rowCount: 0,
          contributors: [],
        };
        point.amount += numberToMoney(row.amount);
        point.rowCount += 1;
        for (const c of row.contributors) {
          const existing = point.contributors?.find(
            (x) => x.dimension === c.dimension && x.value === c.value,
          );
          if (existing) existing.amount += c.amount;
          else point.contributors?.push({ ...c });
        }
        bySeries.set(seriesKey, point);
      }
    }
    points.push(...bySeries.values());
  }
  return points;
}
