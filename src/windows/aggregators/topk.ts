import type { Aggregator, AggregatorOptions, Json } from '../aggregator.js';
import {
  badOption,
  badState,
  compareValues,
  decodeValue,
  encodeValue,
  field,
  finiteField,
  type Value,
} from './values.js';

/**
 * Space-Saving counters (Metwally, Agrawal & El Abbadi, 2005). `counts` are upper bounds on each
 * monitored item's frequency and `counts − errors` lower bounds. The counters sit in a binary
 * min-heap (`heap`: position → slot, `where`: slot → position) so replacing the minimum is
 * O(log m) instead of a scan.
 */
export interface SpaceSavingState {
  size: number;
  items: (Value | undefined)[];
  counts: Float64Array;
  errors: Float64Array;
  heap: Int32Array;
  where: Int32Array;
  slotOf: Map<Value, number>;
  /** Upper bound on the frequency of any item not monitored (0 until something was evicted). */
  floor: number;
}

/** One row of the `topk` result. */
export interface TopKEntry {
  value: Value;
  /** Estimated frequency: an upper bound. */
  count: number;
  /** Largest possible overestimate: the true frequency is in [count − error, count]. */
  error: number;
}

interface Entry {
  value: Value;
  count: number;
  error: number;
}

/** Result order: count descending, then value ascending, so equal counts still give one answer. */
const byRank = (x: Entry, y: Entry): number => y.count - x.count || compareValues(x.value, y.value);

/**
 * The `k` most frequent values (`k` option, default 10) with Space-Saving over m = max(10k, 100)
 * counters; the extra counters make the top k's counts nearly exact on skewed streams. The result
 * is a JSON array of {@link TopKEntry}. Among equal counts the minimum evicted is the one that
 * ranks last (largest value), so the state is a pure function of the counters, not of the heap's
 * layout, and a restored state behaves exactly as the original.
 *
 * Merge follows Agarwal et al., "Mergeable Summaries" (PODS 2012): Space-Saving with m counters is
 * isomorphic to Misra-Gries, whose merge adds the counters and cuts at the (m+1)-th largest. In
 * Space-Saving form that keeps the m largest combined upper bounds, where an item a side does not
 * monitor counts as that side's `floor`; the cut-off bound becomes the new floor. Per-item errors
 * keep the tighter lower bound of Cafaro et al. (2016) instead of the common Misra-Gries offset.
 *
 * @example
 * const agg = topk({ k: 2 });
 * agg.result(['a', 'b', 'a', 'c', 'b', 'a'].reduce(agg.add, agg.create()));
 * // '[{"value":"a","count":3,"error":0},{"value":"b","count":2,"error":0}]'
 */
export function topk(options: AggregatorOptions = {}): Aggregator<SpaceSavingState, string> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw badOption('topk', 'k', `must be a positive integer, got ${k}`);
  const capacity = Math.max(k * 10, 100);

  const create = (): SpaceSavingState => ({
    size: 0,
    items: new Array<Value | undefined>(capacity),
    counts: new Float64Array(capacity),
    errors: new Float64Array(capacity),
    heap: new Int32Array(capacity),
    where: new Int32Array(capacity),
    slotOf: new Map(),
    floor: 0,
  });

  return {
    fn: 'topk',
    resultType: 'json',
    input: 'any',
    create,
    add(state, value) {
      const slot = state.slotOf.get(value);
      if (slot !== undefined) {
        state.counts[slot]!++;
        siftDown(state, state.where[slot]!);
      } else if (state.size < capacity) {
        const s = state.size++;
        state.items[s] = value;
        state.counts[s] = state.floor + 1;
        state.errors[s] = state.floor;
        state.slotOf.set(value, s);
        state.heap[s] = s;
        state.where[s] = s;
        siftUp(state, s);
      } else {
        // Replace the minimum: the newcomer may have been seen up to `min` times before.
        const s = state.heap[0]!;
        const min = state.counts[s]!;
        state.slotOf.delete(state.items[s]!);
        state.floor = min;
        state.items[s] = value;
        state.counts[s] = min + 1;
        state.errors[s] = min;
        state.slotOf.set(value, s);
        siftDown(state, 0);
      }
      return state;
    },
    merge(a, b) {
      const combined: Entry[] = [];
      for (let s = 0; s < a.size; s++) {
        const value = a.items[s]!;
        const t = b.slotOf.get(value);
        const upper = a.counts[s]! + (t === undefined ? b.floor : b.counts[t]!);
        const lower = a.counts[s]! - a.errors[s]! + (t === undefined ? 0 : b.counts[t]! - b.errors[t]!);
        combined.push({ value, count: upper, error: upper - lower });
      }
      for (let t = 0; t < b.size; t++) {
        const value = b.items[t]!;
        if (a.slotOf.has(value)) continue;
        const upper = a.floor + b.counts[t]!;
        combined.push({ value, count: upper, error: upper - (b.counts[t]! - b.errors[t]!) });
      }
      combined.sort(byRank);
      const floor = combined.length > capacity ? combined[capacity]!.count : a.floor + b.floor;
      if (combined.length > capacity) combined.length = capacity;
      load(a, combined, floor);
      return a;
    },
    result: (state) =>
      JSON.stringify(
        entries(state)
          .slice(0, k)
          .map((e): TopKEntry => ({ value: e.value, count: e.count, error: e.error })),
      ),
    toJSON: (state): Json => ({
      f: state.floor,
      e: entries(state).map((e) => [encodeValue(e.value), e.count, e.error]),
    }),
    fromJSON(json) {
      const rows = field(json, 'e');
      if (!Array.isArray(rows) || rows.length > capacity)
        throw badState(`topk entries must be an array of ≤ ${capacity}`);
      const list = rows.map((row): Entry => {
        if (!Array.isArray(row) || typeof row[1] !== 'number' || typeof row[2] !== 'number') {
          throw badState('topk entry must be [value, count, error]');
        }
        return { value: decodeValue(row[0]), count: row[1], error: row[2] };
      });
      const state = create();
      load(state, list.sort(byRank), finiteField(json, 'f'));
      return state;
    },
  };
}

/** The monitored counters, best first. */
function entries(state: SpaceSavingState): Entry[] {
  const list: Entry[] = [];
  for (let s = 0; s < state.size; s++) {
    list.push({ value: state.items[s]!, count: state.counts[s]!, error: state.errors[s]! });
  }
  return list.sort(byRank);
}

/** Replaces the counters of `state` with `list`, which must be sorted by {@link byRank}. */
function load(state: SpaceSavingState, list: Entry[], floor: number): void {
  state.slotOf.clear();
  state.size = list.length;
  state.floor = floor;
  // Reversed rank order is ascending heap order, and an ascending array is a valid min-heap.
  for (let s = 0; s < list.length; s++) {
    const e = list[list.length - 1 - s]!;
    state.items[s] = e.value;
    state.counts[s] = e.count;
    state.errors[s] = e.error;
    state.heap[s] = s;
    state.where[s] = s;
    state.slotOf.set(e.value, s);
  }
  state.items.fill(undefined, list.length); // let evicted values be collected
}

/** Heap order: smaller count first; on equal counts the larger value, i.e. the one ranking last. */
function below(state: SpaceSavingState, s: number, t: number): boolean {
  const cs = state.counts[s]!;
  const ct = state.counts[t]!;
  return cs < ct || (cs === ct && compareValues(state.items[s]!, state.items[t]!) > 0);
}

function siftUp(state: SpaceSavingState, pos: number): void {
  const { heap, where } = state;
  const slot = heap[pos]!;
  while (pos > 0) {
    const parentPos = (pos - 1) >> 1;
    const parent = heap[parentPos]!;
    if (!below(state, slot, parent)) break;
    heap[pos] = parent;
    where[parent] = pos;
    pos = parentPos;
  }
  heap[pos] = slot;
  where[slot] = pos;
}

function siftDown(state: SpaceSavingState, pos: number): void {
  const { heap, where, size } = state;
  const slot = heap[pos]!;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    if (child + 1 < size && below(state, heap[child + 1]!, heap[child]!)) child++;
    const c = heap[child]!;
    if (!below(state, c, slot)) break;
    heap[pos] = c;
    where[c] = pos;
    pos = child;
  }
  heap[pos] = slot;
  where[slot] = pos;
}
