import type { CostPoint } from '#shared/cost/cost-point';
import type { CostDayEvaluation } from '#shared/detect/cost-detector';
import { anomalyIdOf, parseAnomalyId, segmentEpisodes } from '#shared/detect/episodes';
import { type FeedbackRecord, feedbackSuppression } from '#shared/detect/feedback-policy';
import { DEFAULT_MONITORS, monitorFor } from '#shared/detect/monitors';
import { rankContributors } from '#shared/detect/root-cause';
import { parseMoney } from '#shared/money';

const ref = { seriesKey: 'service=Amazon EC2', currency: 'USD' };

/** Days from a pattern: A anomalous, . normal, p provisional normal; impact 100 × (index+1). */
function days(
  pattern: string,
  severities: Partial<Record<number, CostDayEvaluation['severity']>> = {},
): CostDayEvaluation[] {
  return [...pattern].map((c, i) => ({
    day: `2026-05-${String(i + 1).padStart(2, '0')}`,
    actual: parseMoney('1000'),
    expected: parseMoney('900'),
    expectedLow: parseMoney('850'),
    expectedHigh: parseMoney('950'),
    impact: parseMoney(String(c === 'A' ? 100 * (i + 1) : 0)),
    impactPercent: 11,
    score: c === 'A' ? 0.9 : 0.1,
    severity: severities[i] ?? 'low',
    isAnomaly: c === 'A',
    verdict: c === 'A' ? 'anomaly' : c === 'p' ? 'provisional' : 'normal',
    provisional: c === 'p',
  }));
}

describe('segmentEpisodes', () => {
  it.each<[string, string, Array<[string, string, string, number]>]>([
    ['opens nothing when no day is anomalous', '.....', []],
    [
      'opens one open episode when the last days are anomalous',
      '..AA',
      [['2026-05-03', '2026-05-04', 'open', 2]],
    ],
    [
      'bridges a short normal gap into one episode',
      '.AA..A....',
      [['2026-05-02', '2026-05-06', 'closed', 5]],
    ],
    [
      'closes after three normal days and opens a new episode later',
      'A...A',
      [
        ['2026-05-01', '2026-05-01', 'closed', 1],
        ['2026-05-05', '2026-05-05', 'open', 1],
      ],
    ],
    [
      'keeps an episode open while the following days are provisional',
      'A..ppp',
      [['2026-05-01', '2026-05-06', 'open', 6]],
    ],
  ])('%s', (_name, pattern, expected) => {
    // Act
    const episodes = segmentEpisodes(ref, days(pattern), { monitor: 'service', closeAfterNormalDays: 3 });
    // Assess
    expect(episodes.map((e) => [e.startDay, e.lastDay, e.status, e.durationDays])).toEqual(expected);
  });

  it('accumulates impact, max score and the highest severity while the episode lasts', () => {
    // Act
    const [episode] = segmentEpisodes(ref, days('AAA', { 1: 'high', 2: 'medium' }), {
      monitor: 'm',
      closeAfterNormalDays: 3,
    });
    // Assess
    expect(episode?.cumulativeImpact).toBe(parseMoney('600'));
    expect(episode?.peakImpact).toBe(parseMoney('300'));
    expect(episode?.severity).toBe('high');
    expect(episode?.anomalyId).toBe('USD|service=Amazon EC2|2026-05-01');
  });

  it('round-trips an anomaly id whose series key contains a pipe', () => {
    // Prepare
    const id = anomalyIdOf({ seriesKey: 'tag:team=a|b', currency: 'EUR' }, '2026-01-02');
    // Act / Assess
    expect(parseAnomalyId(id)).toEqual({
      ref: { seriesKey: 'tag:team=a|b', currency: 'EUR' },
      startDay: '2026-01-02',
    });
  });
});

describe('rankContributors', () => {
  const point = (day: string, parts: Array<[string, string, string]>): CostPoint => ({
    seriesKey: 'tag:cost-center=ai-vision',
    currency: 'USD',
    day,
    amount: 0n,
    rowCount: 1,
    contributors: parts.map(([dimension, value, amount]) => ({
      dimension,
      value,
      amount: parseMoney(amount),
    })),
  });
  // A constructed hierarchy: service EC2 = captioner (+800) + batch (+100); SageMaker flat; one account.
  const history = ['2026-05-04', '2026-05-11', '2026-05-18', '2026-05-25'].map((day) =>
    point(day, [
      ['service', 'Amazon EC2', '500'],
      ['service', 'Amazon SageMaker', '600'],
      ['resource', 'image-captioner', '400'],
      ['resource', 'batch', '100'],
      ['account', '111', '1100'],
    ]),
  );
  const today = point('2026-06-01', [
    ['service', 'Amazon EC2', '1400'],
    ['service', 'Amazon SageMaker', '600'],
    ['resource', 'image-captioner', '1200'],
    ['resource', 'batch', '200'],
    ['account', '111', '2000'],
  ]);

  it('ranks the narrowest contributor that explains the delta first, with exact money', () => {
    // Act
    const ranked = rankContributors([...history, today], '2026-06-01', parseMoney('900'));
    // Assess
    expect(ranked.map((c) => `${c.dimension}=${c.value}:${c.share}`)).toEqual([
      'service=Amazon EC2:1',
      'account=111:1',
      'resource=image-captioner:0.889',
      'resource=batch:0.111',
    ]);
    expect(ranked[2]?.delta).toBe(parseMoney('800'));
  });

  it('returns nothing when the day carries no contributors', () => {
    // Act / Assess
    expect(
      rankContributors([{ ...today, contributors: undefined }], '2026-06-01', parseMoney('900')),
    ).toEqual([]);
  });
});

describe('feedbackSuppression', () => {
  const feedback = (kind: FeedbackRecord['kind'], until?: string): FeedbackRecord => ({
    anomalyId: 'USD|service=Amazon EC2|2026-05-01',
    seriesKey: ref.seriesKey,
    currency: 'USD',
    kind,
    ...(until ? { until } : {}),
    anomalyStartDay: '2026-05-01',
    anomalyPeakImpact: parseMoney('1000'),
    recordedAt: '2026-05-02T10:00:00Z',
  });
  it.each<[string, FeedbackRecord, string, string, boolean]>([
    [
      'suppresses an episode inside a planned window',
      feedback('planned', '2026-05-31'),
      '2026-05-20',
      '5000',
      true,
    ],
    [
      'lets an episode after the planned window alert',
      feedback('planned', '2026-05-31'),
      '2026-06-01',
      '500',
      false,
    ],
    [
      'suppresses a similar episode after a false positive',
      feedback('false-positive'),
      '2026-06-10',
      '1400',
      true,
    ],
    [
      'lets a much larger episode alert after a false positive',
      feedback('false-positive'),
      '2026-06-10',
      '5000',
      false,
    ],
    [
      'lets a similar episode alert once the similarity horizon passed',
      feedback('expected'),
      '2026-09-10',
      '900',
      false,
    ],
  ])('%s', (_name, record, startDay, peak, suppressed) => {
    // Act
    const match = feedbackSuppression(
      { anomalyId: anomalyIdOf(ref, startDay), startDay, peakImpact: parseMoney(peak) },
      [record],
    );
    // Assess
    expect(match !== undefined).toBe(suppressed);
  });
});

describe('monitorFor', () => {
  it.each([
    ['total', 'total'],
    ['service=Amazon S3', 'service'],
    ['tag:cost-center=ai-vision', 'cost-center'],
    ['k8s-namespace=vision', 'k8s-namespace'],
    ['region=us-east-1', undefined],
  ])('selects %s with monitor %s', (key, name) => {
    // Act / Assess
    expect(monitorFor(key, DEFAULT_MONITORS)?.name).toBe(name);
  });
});
