import type { BinningOptions, Histogram, Sample } from '../measure.js';
import { binSamples, checkSameBins, proportions } from './histogram.js';

/**
 * Kullback–Leibler divergence `KL(ref ‖ cur)` in nats, as Evidently's `kl_div`: empty bins get
 * Evidently's epsilon, then `scipy.stats.entropy(r, c)` (which renormalises both to sum 1).
 */
export function klDivergenceHistogram(ref: Histogram, cur: Histogram): number {
  checkSameBins(ref, cur);
  const r = proportions(ref, true);
  const c = proportions(cur, true);
  let rs = 0;
  let cs = 0;
  for (let i = 0; i < r.length; i++) {
    rs += r[i]!;
    cs += c[i]!;
  }
  let sum = 0;
  for (let i = 0; i < r.length; i++) {
    const p = r[i]! / rs;
    const q = c[i]! / cs;
    sum += p * Math.log(p / q);
  }
  return sum;
}

/** KL divergence of two samples, binned as {@link BinningOptions} says (default: 10 quantile bins). */
export function klDivergence(ref: Sample, cur: Sample, options: BinningOptions = {}): number {
  const h = binSamples(ref, cur, options);
  return klDivergenceHistogram(h.ref, h.cur);
}
