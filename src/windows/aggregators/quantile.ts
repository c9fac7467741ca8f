import type { Aggregator, AggregatorOptions, Json, MergedResult } from '../aggregator.js';
import { DenseStore, SMALL_OFFSET } from './dense-store.js';
import { badOption, badState, field, finiteField } from './values.js';

/** Default relative accuracy α: every reported quantile is within ±0.5% of a true sample value. */
export const DEFAULT_QUANTILE_ACCURACY = 0.005;
/**
 * Buckets kept per sign. With α = 0.005 one bucket spans a factor γ ≈ 1.01, so 2048 buckets cover
 * nine decades of magnitude (ratio ≈ 8e8) at full accuracy; below that, values are collapsed into
 * the lowest bucket (positives) or the most negative bucket (negatives), trading accuracy at the
 * low end for bounded memory (≤ 32 KiB per sketch).
 */
export const MAX_BUCKETS = 2048;
/** The finest accuracy accepted (see the check in {@link quantile}). */
export const MIN_ACCURACY = 1e-6;

/**
 * DDSketch state (Masson, Rim & Lee, VLDB 2019): logarithmic buckets for |x|, one store for
 * positives, one for negatives (keyed by the negated index, so "collapse lowest" drops accuracy
 * for the most negative values, again the low end), and a count of zeros. The state is the
 * positive store itself, carrying the other two: a window holds one sketch per group and pane,
 * and a separate wrapper object would cost ~40 bytes more each (1M open groups: 40 MB).
 */
export class DDSketchState extends DenseStore {
  /** Created by the first negative value: most fields never see one. */
  neg: DenseStore | null = null;
  zero = 0;
}
/**
 * A quantile of numeric values with relative-error guarantee α (`accuracy`, default 0.005):
 * the estimate of the q-quantile is within α·|x| of the sample value x at rank ⌊q·(n−1)⌋.
 * DDSketch was chosen because its merge is exact — bucket counts add — so splits, hopping
 * panes and restores give bit-identical results, and because it is deterministic (no sampling).
 * Non-finite values and non-numbers are ignored; `null` for a window without numbers.
 *
 * @example
 * const agg = quantile({ q: 0.9 });
 * let s = agg.create();
 * for (let i = 1; i <= 100; i++) s = agg.add(s, i);
 * agg.result(s); // ≈ 90 (within 0.5%)
 */
export function quantile(
  options: AggregatorOptions = {},
): Aggregator<DDSketchState, number | null> & MergedResult<DDSketchState, number | null> {
  const q = options.q ?? 0.5;
  const alpha = options.accuracy ?? DEFAULT_QUANTILE_ACCURACY;
  if (!(q >= 0 && q <= 1)) throw badOption('quantile', 'q', `must be in [0, 1], got ${q}`);
  // Below 1e-6 bucket indices of extreme doubles leave the small-integer range the stores rely on
  // (and 2048 buckets would span a factor of 1.004: no use as a sketch).
  if (!(alpha >= MIN_ACCURACY && alpha < 1))
    throw badOption('quantile', 'accuracy', `must be in [${MIN_ACCURACY}, 1), got ${alpha}`);
  const gamma = (1 + alpha) / (1 - alpha);
  const lnGamma = Math.log(gamma);
  // Precomputed so the hot path is one Math.log, one multiply and a ceil.
  const multiplier = 1 / lnGamma;
  // Bucket i holds (γ^(i−1), γ^i]; this point is within α of both ends.
  const midpoint = 2 / (1 + gamma);
  const valueOf = (index: number): number => Math.exp(index * lnGamma) * midpoint;

  const create = (): DDSketchState => new DDSketchState(MAX_BUCKETS);

  /** `result` is the merge of one state. */
  const single: DDSketchState[] = [];

  /**
   * The q-quantile of `create()` merged with `states[0..k)`, read from the stores in place. Bucket
   * counts add, and a merged store clamps indices below (its highest index − maxBuckets + 1) up to
   * that bound; so the merged store's walk is this walk over the summed counts, with an index
   * below the bound reported as the bound. Counts are integers, so any summing order is exact.
   * Ranks above the median are found from the top, which is the short way for p95 and p99.
   */
  function quantileOf(states: readonly DDSketchState[], k: number): number | null {
    let zero = 0;
    let negTotal = 0;
    let posTotal = 0;
    let negMin = Number.MAX_SAFE_INTEGER;
    let negMax = Number.MIN_SAFE_INTEGER;
    let posMin = Number.MAX_SAFE_INTEGER;
    let posMax = Number.MIN_SAFE_INTEGER;
    for (let i = 0; i < k; i++) {
      const pos = states[i]!;
      const neg = pos.neg;
      zero += pos.zero;
      if (neg !== null && neg.total > 0) {
        negTotal += neg.total;
        if (neg.minIndex < negMin) negMin = neg.minIndex;
        if (neg.maxIndex > negMax) negMax = neg.maxIndex;
      }
      if (pos.total > 0) {
        posTotal += pos.total;
        if (pos.minIndex < posMin) posMin = pos.minIndex;
        if (pos.maxIndex > posMax) posMax = pos.maxIndex;
      }
    }
    const n = negTotal + zero + posTotal;
    if (n === 0) return null;
    const rank = q * (n - 1);
    if (negTotal === 0 && zero === 0) {
      const index = smallIndexAt(states, k, n, Math.floor(rank));
      if (index !== null) return valueOf(Math.max(index, posMax - MAX_BUCKETS + 1));
    }
    // Ascending value order: negatives (most negative = lowest key first), zeros, positives.
    let seen = 0;
    if (negTotal > 0) {
      const floor = Math.max(negMin, negMax - MAX_BUCKETS + 1);
      for (let key = negMin; key <= negMax; key++) {
        for (let i = 0; i < k; i++) seen += states[i]!.neg?.get(key) ?? 0;
        if (seen > rank) return -valueOf(-Math.max(key, floor));
      }
    }
    seen += zero;
    if (seen > rank) return 0;
    const floor = Math.max(posMin, posMax - MAX_BUCKETS + 1);
    if (q > 0.5) {
      // From the top: the answer is the lowest index whose cumulative count exceeds rank, i.e. the
      // index at which the count below it, n − above, stops exceeding rank.
      let above = 0;
      for (let index = posMax; index >= posMin; index--) {
        for (let i = 0; i < k; i++) above += states[i]!.get(index);
        if (!(n - above > rank)) return valueOf(Math.max(index, floor));
      }
    } else {
      for (let index = posMin; index <= posMax; index++) {
        for (let i = 0; i < k; i++) seen += states[i]!.get(index);
        if (seen > rank) return valueOf(Math.max(index, floor));
      }
    }
    return valueOf(posMax); // only reachable through float round-off in the counts
  }

  return {
    fn: 'quantile',
    resultType: 'float64',
    input: 'number',
    create,
    add(state, value) {
      if (typeof value !== 'number') return state;
      // `| 0`: Math.ceil gives −0 for (−1, 0), i.e. values in (1/γ, 1), and −x gives it for x = 0
      // (a value of −1); a −0 index made the store's array hold doubles and its checkpoint's `o`
      // compare unequal to the same store built in another order
      if (value > 0) {
        if (value !== Infinity) state.add(Math.ceil(Math.log(value) * multiplier) | 0, 1);
      } else if (value < 0) {
        if (value !== -Infinity)
          (state.neg ??= new DenseStore(MAX_BUCKETS)).add(-Math.ceil(Math.log(-value) * multiplier) | 0, 1);
      } else if (value === 0) {
        state.zero++;
      }
      return state;
    },
    merge(a, b) {
      a.mergeFrom(b);
      if (b.neg !== null && b.neg.total > 0) (a.neg ??= new DenseStore(MAX_BUCKETS)).mergeFrom(b.neg);
      a.zero += b.zero;
      return a;
    },
    result(state) {
      single[0] = state;
      return quantileOf(single, 1);
    },
    mergedResult: quantileOf,
    toJSON: (state): Json => ({
      a: alpha,
      z: state.zero,
      p: storeToJSON(state),
      n: state.neg === null ? null : storeToJSON(state.neg),
    }),
    fromJSON(json) {
      const a = finiteField(json, 'a');
      if (a !== alpha) throw badState(`quantile sketch has accuracy ${a}, this aggregate uses ${alpha}`);
      const state = create();
      state.zero = finiteField(json, 'z');
      storeFromJSON(state, field(json, 'p'));
      const neg = field(json, 'n');
      if (neg !== null && neg !== undefined) storeFromJSON((state.neg = new DenseStore(MAX_BUCKETS)), neg);
      return state;
    },
  };
}

/** Compact form: the lowest index and the counts from there to the highest, or null when empty. */
function storeToJSON(store: DenseStore): Json {
  return store.toCounts();
}

/** Read positions per store, reused by {@link smallIndexAt}. */
const cursors = new Int32Array(64);
/** Indices gathered from small stores, reused by {@link smallIndexAt}. */
const gathered = { indices: new Int32Array(256) };

/**
 * The bucket index at `position` in the sorted indices of `states[0..k)` (`n` values, all
 * positive) when every store is small; null otherwise. This is the index the dense walk stops
 * at: the lowest one whose cumulative count exceeds ⌊rank⌋ (the caller clamps it to the floor).
 */
function smallIndexAt(
  states: readonly DDSketchState[],
  k: number,
  n: number,
  position: number,
): number | null {
  for (let i = 0; i < k; i++) if (states[i]!.offset !== SMALL_OFFSET) return null;
  if (k === 1) return states[0]!.counts[position]!;
  // Each store's indices are sorted: step through them from the nearer end, taking the largest
  // (or smallest) head each time — for p95 of a few panes a handful of steps, no sort at all.
  const fromTop = position >= n >> 1;
  const steps = fromTop ? n - position : position + 1;
  if (k <= cursors.length && k * steps <= 4 * n) {
    for (let i = 0; i < k; i++) cursors[i] = fromTop ? states[i]!.total - 1 : 0;
    for (let s = 1; ; s++) {
      let best = -1;
      let bestIndex = 0;
      for (let i = 0; i < k; i++) {
        const c = cursors[i]!;
        const { counts, total } = states[i]!;
        if (c < 0 || c >= total) continue;
        const index = counts[c]!;
        if (best < 0 || (fromTop ? index > bestIndex : index < bestIndex)) {
          best = i;
          bestIndex = index;
        }
      }
      if (s === steps) return bestIndex;
      cursors[best] = cursors[best]! + (fromTop ? -1 : 1);
    }
  }
  if (gathered.indices.length < n)
    gathered.indices = new Int32Array(Math.max(n, gathered.indices.length * 2));
  const all = gathered.indices;
  let m = 0;
  for (let i = 0; i < k; i++) {
    const { counts, total } = states[i]!;
    for (let j = 0; j < total; j++) all[m++] = counts[j]!;
  }
  all.subarray(0, n).sort();
  return all[position]!;
}

function storeFromJSON(store: DenseStore, json: Json | undefined): void {
  if (json === null || json === undefined) return;
  const offset = finiteField(json, 'o');
  const counts = field(json, 'c');
  if (!Array.isArray(counts)) throw badState('quantile store counts must be an array');
  // Highest first, as in a merge, so the array is sized once.
  for (let j = counts.length - 1; j >= 0; j--) {
    const c = counts[j];
    if (typeof c !== 'number' || !(c >= 0))
      throw badState('quantile bucket counts must be non-negative numbers');
    if (c !== 0) store.add(offset + j, c);
  }
}
