import type { Aggregator } from '../aggregator.js';
import { decodeFloat, encodeFloat, field, finiteField } from './values.js';

/** Welford's running moments: count, mean, and the sum of squared deviations from the mean. */
export interface MomentsState {
  n: number;
  mean: number;
  m2: number;
}

function addValue(state: MomentsState, x: number): void {
  // Welford: updating the mean first and using the deviation before and after the update avoids
  // the catastrophic cancellation of the textbook sum(x^2) - n*mean^2.
  const n = ++state.n;
  const d = x - state.mean;
  state.mean += d / n;
  state.m2 += d * (x - state.mean);
}

function mergeMoments(a: MomentsState, b: MomentsState): MomentsState {
  if (b.n === 0) return a;
  if (a.n === 0) {
    a.n = b.n;
    a.mean = b.mean;
    a.m2 = b.m2;
    return a;
  }
  // Chan et al.'s pairwise update: exact in exact arithmetic, so panes merge in any order.
  const n = a.n + b.n;
  const d = b.mean - a.mean;
  a.mean += (d * b.n) / n;
  a.m2 += b.m2 + (d * d * a.n * b.n) / n;
  a.n = n;
  return a;
}

/** Sample variance (ddof = 1) of a state; `null` below two values, where it is undefined. */
function sampleVariance(state: MomentsState): number | null {
  return state.n < 2 ? null : state.m2 / (state.n - 1);
}

function momentsAggregator(
  fn: 'variance' | 'stddev',
  result: (state: MomentsState) => number | null,
): Aggregator<MomentsState, number | null> {
  return {
    fn,
    resultType: 'float64',
    input: 'number',
    create: () => ({ n: 0, mean: 0, m2: 0 }),
    add(state, value) {
      if (typeof value === 'number') addValue(state, value);
      return state;
    },
    merge: mergeMoments,
    result,
    toJSON: (s) => ({ n: s.n, mean: encodeFloat(s.mean), m2: encodeFloat(s.m2) }),
    fromJSON: (json) => ({
      n: finiteField(json, 'n'),
      mean: decodeFloat(field(json, 'mean')),
      m2: decodeFloat(field(json, 'm2')),
    }),
  };
}

/**
 * Sample variance (ddof = 1, as pandas and SQL's `var_samp`) of numeric values; `null` when the
 * window holds fewer than two numbers. Welford's update per value, Chan's formula to merge.
 *
 * @example
 * const agg = variance();
 * agg.result([2, 4, 4, 4, 5, 5, 7, 9].reduce(agg.add, agg.create())); // 4.571428571428571
 */
export function variance(): Aggregator<MomentsState, number | null> {
  return momentsAggregator('variance', sampleVariance);
}

/**
 * Sample standard deviation: the square root of {@link variance}, with the same `null` rule.
 *
 * @example
 * const agg = stddev();
 * agg.result([1, 3].reduce(agg.add, agg.create())); // 1.4142135623730951
 */
export function stddev(): Aggregator<MomentsState, number | null> {
  return momentsAggregator('stddev', (state) => {
    const v = sampleVariance(state);
    return v === null ? null : Math.sqrt(v);
  });
}
