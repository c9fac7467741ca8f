import type { BinningOptions, Histogram, Sample } from '../measure.js';
import { binSamples, checkSameBins, edgesBinner, histogramOf, sturgesEdges } from './histogram.js';

/** Hellinger distance `√(1 − Σ √(p_i q_i))` over bin proportions, in `[0, 1]`. */
export function hellingerHistogram(ref: Histogram, cur: Histogram): number {
  checkSameBins(ref, cur);
  let bc = 0;
  for (let i = 0; i < ref.counts.length; i++)
    bc += Math.sqrt((ref.counts[i]! / ref.total) * (cur.counts[i]! / cur.total));
  return Math.sqrt(1 - Math.min(Math.max(bc, 0), 1));
}

/**
 * Hellinger distance of two samples. Default: 10 quantile bins. `{ binning: 'evidently' }` follows
 * Evidently's numerical `hellinger` test, which (unlike its PSI/KL) takes Sturges bins over the
 * *distinct* values of both samples.
 */
export function hellinger(ref: Sample, cur: Sample, options: BinningOptions = {}): number {
  if (options.binning === 'evidently') {
    if (ref.length === 0 || cur.length === 0) throw new RangeError('both samples must be non-empty');
    const keys = Float64Array.from(new Set([...Array.from(ref), ...Array.from(cur)]));
    const binner = edgesBinner(sturgesEdges(keys));
    return hellingerHistogram(histogramOf(ref, binner), histogramOf(cur, binner));
  }
  const h = binSamples(ref, cur, options);
  return hellingerHistogram(h.ref, h.cur);
}
