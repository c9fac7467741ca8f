import type { Histogram, TestResult } from '../measure.js';
import { categoricalHistograms, checkSameBins } from './histogram.js';
import { chi2Sf } from './special.js';

/**
 * Pearson's chi-square goodness-of-fit of the current counts against the reference proportions
 * (Evidently's `chisquare` test = `scipy.stats.chisquare(f_obs=cur, f_exp=ref · n_cur/n_ref)`),
 * with `k − 1` degrees of freedom. Bins empty in both histograms are left out; a category that is
 * new in the current data gives `statistic = ∞`, `pValue = 0`.
 */
export function chiSquareHistogram(ref: Histogram, cur: Histogram): TestResult {
  checkSameBins(ref, cur);
  const scale = cur.total / ref.total;
  let stat = 0;
  let k = 0;
  for (let i = 0; i < ref.counts.length; i++) {
    const o = cur.counts[i]!;
    const e = ref.counts[i]! * scale;
    if (o === 0 && e === 0) continue;
    k++;
    stat += ((o - e) * (o - e)) / e;
  }
  return { statistic: stat, pValue: k > 1 ? chi2Sf(stat, k - 1) : NaN };
}

/** Chi-square test of two categorical samples (any values usable as `Map` keys). */
export function chiSquare<T>(ref: Iterable<T>, cur: Iterable<T>): TestResult {
  const h = categoricalHistograms(ref, cur);
  return chiSquareHistogram(h.ref, h.cur);
}
