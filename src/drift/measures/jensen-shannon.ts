import type { BinningOptions, Histogram, Sample } from '../measure.js';
import { binSamples, checkSameBins } from './histogram.js';

/** `x · ln(x / y)` with scipy's `rel_entr` conventions for zeros. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * Jensen–Shannon distance (the square root of the divergence), exactly as
 * `scipy.spatial.distance.jensenshannon(p, q, base)`: natural log unless `base` is given, so the
 * value lies in `[0, √ln 2]` (or `[0, 1]` for base 2). No epsilon: empty bins are fine here.
 */
export function jensenShannonHistogram(ref: Histogram, cur: Histogram, base?: number): number {
  checkSameBins(ref, cur);
  let left = 0;
  let right = 0;
  for (let i = 0; i < ref.counts.length; i++) {
    const p = ref.counts[i]! / ref.total;
    const q = cur.counts[i]! / cur.total;
    const m = (p + q) / 2;
    left += relEntr(p, m);
    right += relEntr(q, m);
  }
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2);
}

/** Options of {@link jensenShannon}: binning plus the logarithm's base (default e). */
export interface JensenShannonOptions extends BinningOptions {
  base?: number;
}

/** Jensen–Shannon distance of two samples (default: 10 quantile bins, natural log). */
export function jensenShannon(ref: Sample, cur: Sample, options: JensenShannonOptions = {}): number {
  const h = binSamples(ref, cur, options);
  return jensenShannonHistogram(h.ref, h.cur, options.base);
}
