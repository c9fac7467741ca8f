import { timedPick, type PickState, type TimedAggregator } from './first.js';

/**
 * The value with the latest event time in the window (ties: the largest value); `null` when empty.
 * The mirror image of `first`, which holds the shared logic and the {@link TimedAggregator} contract.
 *
 * @example
 * const agg = last();
 * let s = agg.create();
 * s = agg.addAt(s, 'b', 20);
 * s = agg.addAt(s, 'a', 10);
 * agg.result(s); // 'b'
 */
export function last(): TimedAggregator<PickState> {
  return timedPick('last', 1);
}
