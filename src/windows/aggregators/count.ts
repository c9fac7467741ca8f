import type { Aggregator, MergedResult } from '../aggregator.js';
import { badState } from './values.js';

/**
 * Counts non-null values (or events, for `count` without a field). The state is a plain number,
 * so `add` allocates nothing; callers must keep the state `add` returns, as the interface says.
 *
 * @example
 * const agg = count();
 * agg.result(agg.add(agg.add(agg.create(), 'a'), 3)); // 2
 */
export function count(): Aggregator<number, number> & MergedResult<number, number> {
  return {
    fn: 'count',
    resultType: 'int64',
    input: 'none',
    create: () => 0,
    add: (n) => n + 1,
    merge: (a, b) => a + b,
    result: (n) => n,
    mergedResult(states, n) {
      let total = 0;
      for (let i = 0; i < n; i++) total += states[i]!;
      return total;
    },
    toJSON: (n) => n,
    fromJSON(json) {
      if (typeof json !== 'number' || !Number.isInteger(json) || json < 0) {
        throw badState(`count must be a non-negative integer, got ${JSON.stringify(json)}`);
      }
      return json;
    },
  };
}
