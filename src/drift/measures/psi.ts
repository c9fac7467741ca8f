import type { BinningOptions, Histogram, Sample } from '../measure.js';
import { binSamples, checkSameBins, proportions } from './histogram.js';

/**
 * Population Stability Index on histograms: `Σ (r_i − c_i) · ln(r_i / c_i)` over bin proportions,
 * with Evidently's epsilon for empty bins (see {@link proportions}). 0 = identical; Evidently's
 * default drift threshold is 0.1.
 */
export function psiHistogram(ref: Histogram, cur: Histogram): number {
  checkSameBins(ref, cur);
  const r = proportions(ref, true);
  const c = proportions(cur, true);
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!);
  return sum;
}

/**
 * PSI of two samples; by default over 10 bins cut at the reference's quantiles.
 * `{ binning: 'evidently' }` reproduces Evidently's `psi` stat test exactly.
 *
 * @example
 * psi(reference, current) > 0.1 // Evidently's default threshold for drift
 */
export function psi(ref: Sample, cur: Sample, options: BinningOptions = {}): number {
  const h = binSamples(ref, cur, options);
  return psiHistogram(h.ref, h.cur);
}
