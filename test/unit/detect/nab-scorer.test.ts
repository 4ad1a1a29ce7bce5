import path from 'node:path';
import {
  loadNabCorpus,
  probationaryLength,
  scaledSigmoid,
  scorePublishedDetector,
} from '../../../bench/detect-nab';

const nabRoot = path.resolve(__dirname, '../../..', '..', 'shared/data/nab');

describe('NAB scorer', () => {
  it.each([
    ['numenta', 72.765, 65.965, 76.868],
    ['windowedGaussian', 50.87, 31.13, 59.02],
  ])('reproduces the published subset scores of %s to ±0.01', (detector, standard, lowFp, lowFn) => {
    // Prepare
    const corpus = loadNabCorpus(nabRoot);
    // Act
    const results = scorePublishedDetector(corpus, detector);
    // Assess
    expect(Math.abs((results.standard?.normalizedScore ?? 0) - standard)).toBeLessThanOrEqual(0.01);
    expect(Math.abs((results.reward_low_FP_rate?.normalizedScore ?? 0) - lowFp)).toBeLessThanOrEqual(0.01);
    expect(Math.abs((results.reward_low_FN_rate?.normalizedScore ?? 0) - lowFn)).toBeLessThanOrEqual(0.01);
  });

  it.each([
    [-1, 0.9866],
    [0, 0],
    [1, -0.9866],
    [3.5, -1],
  ])('computes the scaled sigmoid at %s as %s', (position, expected) => {
    // Act / Assess
    expect(scaledSigmoid(position)).toBeCloseTo(expected, 4);
  });

  it.each([
    [1000, 150],
    [22_000, 750],
  ])('limits the probationary period of %s rows to %s', (rows, expected) => {
    // Act / Assess
    expect(probationaryLength(rows)).toBe(expected);
  });
});
