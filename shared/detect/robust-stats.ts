import { medianSorted } from 'simple-statistics';

/**
 * Small robust-statistics helpers over typed-array slices, on simple-statistics' sorted-median.
 * Detectors call them millions of times, so they reuse one scratch buffer instead of allocating.
 */
export class RobustScratch {
  private buffer: Float64Array;

  constructor(capacity = 64) {
    this.buffer = new Float64Array(capacity);
  }

  /** A sorted view of `count` values produced by `read(k)`, valid until the next call. */
  sorted(count: number, read: (k: number) => number): Float64Array {
    if (count > this.buffer.length) this.buffer = new Float64Array(Math.max(count, this.buffer.length * 2));
    const view = this.buffer.subarray(0, count);
    for (let k = 0; k < count; k += 1) view[k] = read(k);
    view.sort();
    return view;
  }

  /** Median of `values[from, to)`; NaN when empty. */
  median(values: ArrayLike<number>, from: number, to: number): number {
    const count = to - from;
    if (count <= 0) return Number.NaN;
    return medianOf(this.sorted(count, (k) => values[from + k] as number));
  }

  /** Median absolute deviation of `values[from, to)` around `center`; NaN when empty. */
  mad(values: ArrayLike<number>, from: number, to: number, center: number): number {
    const count = to - from;
    if (count <= 0) return Number.NaN;
    return medianOf(this.sorted(count, (k) => Math.abs((values[from + k] as number) - center)));
  }
}

/** Median of an ascending array (simple-statistics' medianSorted over a typed array). */
export function medianOf(sorted: Float64Array): number {
  return medianSorted(sorted as unknown as number[]);
}

/** 1.4826 × MAD estimates the standard deviation of normal noise. */
export const MAD_TO_SIGMA = 1.4826;
