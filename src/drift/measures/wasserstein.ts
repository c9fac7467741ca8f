import type { Sample } from '../measure.js';
import { sortedCopy } from './histogram.js';

/**
 * Wasserstein-1 (earth mover's) distance between two empirical distributions, as
 * `scipy.stats.wasserstein_distance(ref, cur)`: `∫ |F_ref − F_cur|`, by one merge of the sorted
 * samples.
 */
export function wasserstein(ref: Sample, cur: Sample): number {
  return wassersteinSorted(sortedCopy(ref), sortedCopy(cur));
}

/** {@link wasserstein} of two samples already sorted ascending (a monitor keeps them so). */
export function wassersteinSorted(a: Sample, b: Sample): number {
  if (a.length === 0 || b.length === 0) throw new RangeError('both samples must be non-empty');
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = Math.min(a[0]!, b[0]!);
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    sum += Math.abs(i / n1 - j / n2) * (v - prev);
    prev = v;
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
  }
  return sum;
}

/** Population standard deviation (numpy `std`, ddof 0). */
function std(x: Sample): number {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return Math.sqrt(ss / x.length);
}

/**
 * Wasserstein-1 divided by the reference's standard deviation (floored at 0.001), as Evidently's
 * `wasserstein_distance_norm`; Evidently's default drift threshold is 0.1.
 */
export function wassersteinNorm(ref: Sample, cur: Sample): number {
  return wasserstein(ref, cur) / Math.max(std(ref), 0.001);
}

/** {@link wassersteinNorm} of two samples already sorted ascending. */
export function wassersteinNormSorted(ref: Sample, cur: Sample): number {
  return wassersteinSorted(ref, cur) / Math.max(std(ref), 0.001);
}
