import type { Aggregator, Json } from '../aggregator.js';
import {
  badState,
  compareValues,
  decodeFloat,
  decodeValue,
  encodeFloat,
  encodeValue,
  field,
  type Value,
} from './values.js';

/**
 * An aggregator whose answer depends on event time, not only on the values: it needs each value's
 * timestamp. The window operator must call `addAt` (never `add`) for these; see
 * {@link isTimedAggregator}. A separate interface rather than an optional method, so nothing
 * ever has to throw "not supported".
 */
export interface TimedAggregator<S = unknown, R = Value | null> extends Aggregator<S, R> {
  /** Adds `value` observed at event time `ts` (epoch ms, finite). May mutate and return `state`. */
  addAt(state: S, value: Value, ts: number): S;
}

/** Whether `agg` wants timestamps (`first`, `last`): the window operator then feeds it through `addAt`. */
export function isTimedAggregator<S, R>(agg: Aggregator<S, R>): agg is TimedAggregator<S, R> {
  return typeof (agg as Partial<TimedAggregator<S, R>>).addAt === 'function';
}

/** The value picked so far and its event time; `v === null` means empty. */
export interface PickState {
  ts: number;
  v: Value | null;
}

/**
 * Builds `first` (direction -1: earliest event time wins) or `last` (+1: latest wins).
 * Equal timestamps are broken by value order (smallest value for `first`, largest for `last`)
 * rather than arrival order: that makes the pick a pure function of the set of (ts, value) pairs,
 * so merge is associative *and* commutative and a replay with reordered ties gives the same row.
 */
export function timedPick(fn: 'first' | 'last', direction: -1 | 1): TimedAggregator<PickState> {
  // `add` without a timestamp falls back to arrival order: `first` keeps the first value added,
  // `last` the latest. Such values get the time that can never lose to a later untimed add
  // (−∞ for first, +∞ for last); mixing `add` and `addAt` on one state is not meaningful.
  const untimed = direction < 0 ? -Infinity : Infinity;
  const wins = (ts: number, v: Value, state: PickState): boolean =>
    state.v === null ||
    (direction < 0 ? ts < state.ts : ts > state.ts) ||
    (ts === state.ts && compareValues(v, state.v) * direction > 0);
  return {
    fn,
    resultType: 'json',
    input: 'any',
    create: () => ({ ts: NaN, v: null }),
    add(state, value) {
      if (state.v === null || direction > 0) {
        state.v = value;
        state.ts = untimed;
      }
      return state;
    },
    addAt(state, value, ts) {
      if (wins(ts, value, state)) {
        state.v = value;
        state.ts = ts;
      }
      return state;
    },
    merge(a, b) {
      if (b.v !== null && wins(b.ts, b.v, a)) {
        a.v = b.v;
        a.ts = b.ts;
      }
      return a;
    },
    result: (state) => state.v,
    toJSON: (state): Json =>
      state.v === null ? null : { ts: encodeFloat(state.ts), v: encodeValue(state.v) },
    fromJSON(json) {
      if (json === null) return { ts: NaN, v: null };
      const v = field(json, 'v');
      if (v === null || v === undefined) throw badState(`${fn}: missing value`);
      return { ts: decodeFloat(field(json, 'ts')), v: decodeValue(v) };
    },
  };
}

/**
 * The value with the earliest event time in the window (ties: the smallest value); `null` when empty.
 * Result type `json` because it has the input field's type, which only the schema knows.
 *
 * @example
 * const agg = first();
 * let s = agg.create();
 * s = agg.addAt(s, 'b', 20);
 * s = agg.addAt(s, 'a', 10);
 * agg.result(s); // 'a'
 */
export function first(): TimedAggregator<PickState> {
  return timedPick('first', -1);
}
