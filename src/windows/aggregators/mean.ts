import type { Aggregator, MergedResult } from '../aggregator.js';
import { addCompensated, compensatedValue, mergedCompensatedValue, type CompensatedSum } from './sum.js';
import { decodeFloat, encodeFloat, field, finiteField } from './values.js';

/** Count and compensated sum of the numeric values seen. */
export interface MeanState extends CompensatedSum {
  n: number;
}

/**
 * Arithmetic mean of numeric values (others ignored); `null` for a window without numbers.
 * Kept as a compensated sum and a count rather than a running mean: the division happens once,
 * in `result`, so merge order changes the answer by at most an ulp or two.
 *
 * @example
 * const agg = mean();
 * agg.result([1, 2, 'x', 6].reduce(agg.add, agg.create())); // 3
 */
export function mean(): Aggregator<MeanState, number | null> & MergedResult<MeanState, number | null> {
  return {
    fn: 'mean',
    resultType: 'float64',
    input: 'number',
    create: () => ({ n: 0, s: 0, c: 0 }),
    add(state, value) {
      if (typeof value === 'number') {
        state.n++;
        addCompensated(state, value);
      }
      return state;
    },
    merge(a, b) {
      a.n += b.n;
      addCompensated(a, b.s);
      a.c += b.c;
      return a;
    },
    result: (state) => (state.n === 0 ? null : compensatedValue(state) / state.n),
    mergedResult(states, k) {
      let n = 0;
      for (let i = 0; i < k; i++) n += states[i]!.n;
      return n === 0 ? null : mergedCompensatedValue(states, k) / n;
    },
    toJSON: (state) => ({ n: state.n, s: encodeFloat(state.s), c: encodeFloat(state.c) }),
    fromJSON: (json) => ({
      n: finiteField(json, 'n'),
      s: decodeFloat(field(json, 's')),
      c: decodeFloat(field(json, 'c')),
    }),
  };
}
