import { EVENT_SOURCE } from '#events/contract';
import { eventPattern, ROUTES } from '#events/routing';
import { type EventPattern, matchesEventPattern, UnsupportedPatternError } from '#infra/local/event-pattern';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'Cost Anomaly Detected',
  source: 'finops.pipeline',
  account: '000000000000',
  time: '2026-08-21T06:15:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:s3:::exports', 'arn:aws:s3:::other'],
  detail: {
    severity: 'high',
    score: 0.97,
    series: { key: 'tag:cost-center=ai-vision', currency: 'USD' },
    bucket: { name: 'apexlogic-exports' },
    object: { key: 'focus/2026-08/export.csv', size: 1200 },
    tags: ['gpu', 'vision'],
    note: null,
  },
};

describe('matchesEventPattern', () => {
  it.each<[string, EventPattern, boolean]>([
    [
      'exact source and detail-type',
      { source: ['finops.pipeline'], 'detail-type': ['Cost Anomaly Detected'] },
      true,
    ],
    ['one of several detail-types', { 'detail-type': ['Endpoint Scaled', 'Cost Anomaly Detected'] }, true],
    ['another detail-type', { source: ['finops.pipeline'], 'detail-type': ['Endpoint Scaled'] }, false],
    ['another source', { source: ['aws.s3'] }, false],
    ['a nested detail field', { detail: { series: { currency: ['USD'] } } }, true],
    ['a nested detail field with another value', { detail: { series: { currency: ['EUR'] } } }, false],
    ['a missing nested field', { detail: { missing: { key: ['x'] } } }, false],
    ['a number', { detail: { object: { size: [1200] } } }, true],
    ['a number given as text', { detail: { object: { size: ['1200'] } } }, false],
    ['null', { detail: { note: [null] } }, true],
    ['any element of an event array', { resources: ['arn:aws:s3:::other'] }, true],
    ['any element of an event array (no match)', { detail: { tags: ['cpu'] } }, false],
    ['a prefix', { detail: { object: { key: [{ prefix: 'focus/' }] } } }, true],
    ['a wrong prefix', { detail: { object: { key: [{ prefix: 'cur/' }] } } }, false],
    ['a suffix', { detail: { object: { key: [{ suffix: '.csv' }] } } }, true],
    ['equals-ignore-case', { detail: { severity: [{ 'equals-ignore-case': 'HIGH' }] } }, true],
    ['anything-but a value', { detail: { severity: [{ 'anything-but': ['low', 'medium'] }] } }, true],
    ['anything-but the value', { detail: { severity: [{ 'anything-but': ['high'] }] } }, false],
    [
      'anything-but a prefix',
      { detail: { object: { key: [{ 'anything-but': { prefix: 'tmp/' } }] } } },
      true,
    ],
    ['anything-but on an absent field', { detail: { absent: [{ 'anything-but': ['x'] }] } }, false],
    ['exists true', { detail: { severity: [{ exists: true }] } }, true],
    ['exists false on an absent field', { detail: { absent: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { severity: [{ exists: false }] } }, false],
    ['exists true on an object', { detail: { series: [{ exists: true }] } }, false],
    ['a numeric range', { detail: { score: [{ numeric: ['>', 0.9, '<=', 1] }] } }, true],
    ['a numeric range outside', { detail: { score: [{ numeric: ['<', 0.5] }] } }, false],
    [
      '$or with one matching branch',
      { $or: [{ source: ['aws.s3'] }, { detail: { severity: ['high'] } }] },
      true,
    ],
    [
      '$or with no matching branch',
      { $or: [{ source: ['aws.s3'] }, { detail: { severity: ['low'] } }] },
      false,
    ],
    [
      'an S3 Object Created rule on a pipeline event',
      {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['apexlogic-exports'] } },
      },
      false,
    ],
  ])('matches %s: %j → %s', (_name, pattern, expected) => {
    // Act
    const matched = matchesEventPattern(pattern, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each<[string, EventPattern]>([
    ['a scalar instead of an array', { source: 'finops.pipeline' }],
    ['an unknown operator', { detail: { severity: [{ wildcard2: 'h*' }] } }],
    ['a non-boolean exists', { detail: { severity: [{ exists: 'yes' }] } }],
  ])('throws when the pattern has %s', (_name, pattern) => {
    // Act / Assess
    expect(() => matchesEventPattern(pattern, event)).toThrow(UnsupportedPatternError);
  });

  it('routes every detail-type to exactly the consumers of the routing table when given each route pattern', () => {
    // Prepare
    const detailTypes = [...new Set(ROUTES.flatMap((route) => route.detailTypes))];

    // Act / Assess
    for (const detailType of detailTypes) {
      const candidate = { ...event, source: EVENT_SOURCE, 'detail-type': detailType };
      const matched = ROUTES.filter((route) => matchesEventPattern(eventPattern(route), candidate)).map(
        (r) => r.consumer,
      );
      const expected = ROUTES.filter((route) => route.detailTypes.includes(detailType)).map(
        (r) => r.consumer,
      );
      expect(matched).toEqual(expected);
    }
  });
});
