import type { Aggregator, MergedResult } from '../aggregator.js';
import { decodeFloat, encodeFloat, field } from './values.js';

/** A compensated running sum: `s` is the naive sum, `c` the rounding error it has lost so far. */
export interface CompensatedSum {
  s: number;
  c: number;
}

/**
 * Adds `x` with Neumaier's variant of Kahan summation. Plain Kahan loses the compensation when
 * `|x| > |s|`; Neumaier handles both orders, so merging panes in any order gives (nearly) the
 * same bits — which hopping windows and restores depend on.
 */
export function addCompensated(state: CompensatedSum, x: number): void {
  const s = state.s;
  const t = s + x;
  if (Math.abs(s) >= Math.abs(x)) state.c += s - t + x;
  else state.c += x - t + s;
  state.s = t;
}

/** The compensated total. Once `s` is ±Infinity or NaN the compensation is meaningless (NaN), so `s` wins. */
export function compensatedValue(state: CompensatedSum): number {
  return Number.isFinite(state.s) ? state.s + state.c : state.s;
}

/**
 * The compensated total of `create()` merged with `states[0..n)` in order: the same arithmetic as
 * `merge`, in one reused scratch state instead of a fresh one per row.
 */
export function mergedCompensatedValue(states: readonly CompensatedSum[], n: number): number {
  const acc = scratchSum;
  acc.s = 0;
  acc.c = 0;
  for (let i = 0; i < n; i++) {
    const b = states[i]!;
    addCompensated(acc, b.s);
    acc.c += b.c;
  }
  return compensatedValue(acc);
}

/** Reused by {@link mergedCompensatedValue} (one call at a time; nothing escapes it). */
const scratchSum: CompensatedSum = { s: 0, c: 0 };

/**
 * Sum of numeric values (other types are ignored); an empty window sums to 0, as in ClickHouse.
 *
 * @example
 * const agg = sum();
 * agg.result([1e16, 1, -1e16].reduce(agg.add, agg.create())); // 1 (a naive sum gives 0)
 */
export function sum(): Aggregator<CompensatedSum, number> & MergedResult<CompensatedSum, number> {
  return {
    fn: 'sum',
    resultType: 'float64',
    input: 'number',
    create: () => ({ s: 0, c: 0 }),
    add(state, value) {
      if (typeof value === 'number') addCompensated(state, value);
      return state;
    },
    merge(a, b) {
      addCompensated(a, b.s);
      a.c += b.c;
      return a;
    },
    result: compensatedValue,
    mergedResult: mergedCompensatedValue,
    toJSON: (state) => ({ s: encodeFloat(state.s), c: encodeFloat(state.c) }),
    fromJSON: (json) => ({ s: decodeFloat(field(json, 's')), c: decodeFloat(field(json, 'c')) }),
  };
}
