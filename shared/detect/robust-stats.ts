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
    const view = this.reserve(count);
    for (let k = 0; k < count; k += 1) view[k] = values[from + k] as number;
    return sortedMedian(view, count);
  }

  /** Median absolute deviation of `values[from, to)` around `center`; NaN when empty. */
  mad(values: ArrayLike<number>, from: number, to: number, center: number): number {
    const count = to - from;
    if (count <= 0) return Number.NaN;
    const view = this.reserve(count);
    for (let k = 0; k < count; k += 1) view[k] = Math.abs((values[from + k] as number) - center);
    return sortedMedian(view, count);
  }

  private work: { y: Float64Array; local: Float64Array; weekdays: Uint8Array } | undefined;

  /** Per-series working arrays of at least `n` entries, reused across series (contents undefined). */
  workspace(n: number): { y: Float64Array; local: Float64Array; weekdays: Uint8Array } {
    if (!this.work || this.work.y.length < n) {
      this.work = { y: new Float64Array(n), local: new Float64Array(n), weekdays: new Uint8Array(n) };
    }
    return this.work;
  }

  private reserve(count: number): Float64Array {
    if (count > this.buffer.length) this.buffer = new Float64Array(Math.max(count, this.buffer.length * 2));
    return this.buffer;
  }
}

/**
 * Sorts `buffer[0, count)` in place and returns its median. Insertion sort for the short
 * windows detectors use (a native sort call costs more than sorting 30 numbers by hand).
 */
function sortedMedian(buffer: Float64Array, count: number): number {
  if (count > 48) {
    const view = buffer.subarray(0, count);
    view.sort();
    return medianOf(view);
  }
  for (let a = 1; a < count; a += 1) {
    const value = buffer[a] as number;
    let b = a - 1;
    while (b >= 0 && (buffer[b] as number) > value) {
      buffer[b + 1] = buffer[b] as number;
      b -= 1;
    }
    buffer[b + 1] = value;
  }
  const mid = count >> 1;
  return count % 2 === 1
    ? (buffer[mid] as number)
    : ((buffer[mid - 1] as number) + (buffer[mid] as number)) / 2;
}

/** Median of an ascending array (simple-statistics' medianSorted over a typed array). */
export function medianOf(sorted: Float64Array): number {
  return medianSorted(sorted as unknown as number[]);
}

/** 1.4826 × MAD estimates the standard deviation of normal noise. */
export const MAD_TO_SIGMA = 1.4826;
