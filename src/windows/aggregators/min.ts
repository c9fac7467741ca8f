import type { Aggregator } from '../aggregator.js';
import { decodeFloat, encodeFloat } from './values.js';

/**
 * Smallest numeric value (others ignored); `null` for a window without numbers. The state is a
 * plain number with NaN meaning "empty", so `add` allocates nothing. NaN inputs are skipped:
 * they have no place in the order, and letting one through would poison the whole window.
 *
 * @example
 * const agg = min();
 * agg.result([3, -1, 'x', 2].reduce(agg.add, agg.create())); // -1
 */
export function min(): Aggregator<number, number | null> {
  return {
    fn: 'min',
    resultType: 'float64',
    input: 'number',
    create: () => NaN,
    add: (m, value) => (typeof value === 'number' && (value < m || m !== m) ? value : m),
    merge: (a, b) => (b < a || a !== a ? b : a),
    result: (m) => (m !== m ? null : m),
    toJSON: (m) => (m !== m ? null : encodeFloat(m)),
    fromJSON: (json) => (json === null ? NaN : decodeFloat(json)),
  };
}
