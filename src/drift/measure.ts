/**
 * Distances and two-sample tests between a reference and a current sample.
 *
 * A {@link Distance} reads two samples. The histogram-based measures (PSI, KL, Jensen–Shannon,
 * Hellinger, chi-square) also work on {@link Histogram}s, so a monitor can fix the bins once from
 * the reference, add each event to a count in O(1) (O(log bins) to find the bin) and evaluate on
 * counts without keeping or re-reading the samples.
 */

/** A numeric sample; any array-like of numbers (plain arrays and typed arrays both work). */
export type Sample = ArrayLike<number>;

/** `(ref, cur) => number`: larger means further apart. */
export type Distance = (ref: Sample, cur: Sample) => number;

/** What a statistical test returns: the statistic and its p-value (small p ⇒ drift). */
export interface TestResult {
  statistic: number;
  pValue: number;
}

/** A two-sample test over numeric samples. */
export type StatTest = (ref: Sample, cur: Sample) => TestResult;

/**
 * Counts per bin. Reference and current histograms compared with each other must share the same
 * bins (same {@link Binner}, or the same category order). `total` is the sum of `counts`, kept so
 * that proportions need no pass over the bins.
 */
export interface Histogram {
  readonly counts: Float64Array;
  total: number;
}

/** A distance evaluated on two histograms with the same bins. */
export type HistogramDistance = (ref: Histogram, cur: Histogram) => number;

/** Maps a value to its bin index in `[0, bins)`; fixed once built, so it can run per event. */
export interface Binner {
  readonly bins: number;
  index(x: number): number;
}

/** How a sample-level histogram measure bins its inputs. */
export interface BinningOptions {
  /**
   * `quantile` (default): cut points at the reference's quantiles, `bins` bins — fixed by the
   * reference alone, so it streams. `evidently`: Evidently's legacy `get_binned_data` (equal-width
   * Sturges bins over reference ∪ current, or one bin per value when the reference has ≤ 20
   * distinct values) — it depends on the current sample, so it does not stream.
   */
  binning?: 'quantile' | 'evidently';
  /** Number of quantile bins (default 10). */
  bins?: number;
}
