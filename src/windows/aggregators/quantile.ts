import type { Aggregator, AggregatorOptions, Json } from '../aggregator.js';
import { DenseStore } from './dense-store.js';
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

/**
 * DDSketch state (Masson, Rim & Lee, VLDB 2019): logarithmic buckets for |x|, one store for
 * positives, one for negatives (keyed by the negated index, so "collapse lowest" drops accuracy
 * for the most negative values, again the low end), and a count of zeros.
 */
export interface DDSketchState {
  pos: DenseStore;
  neg: DenseStore;
  zero: number;
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
export function quantile(options: AggregatorOptions = {}): Aggregator<DDSketchState, number | null> {
  const q = options.q ?? 0.5;
  const alpha = options.accuracy ?? DEFAULT_QUANTILE_ACCURACY;
  if (!(q >= 0 && q <= 1)) throw badOption('quantile', 'q', `must be in [0, 1], got ${q}`);
  if (!(alpha > 0 && alpha < 1)) throw badOption('quantile', 'accuracy', `must be in (0, 1), got ${alpha}`);
  const gamma = (1 + alpha) / (1 - alpha);
  const lnGamma = Math.log(gamma);
  // Precomputed so the hot path is one Math.log, one multiply and a ceil.
  const multiplier = 1 / lnGamma;
  // Bucket i holds (γ^(i−1), γ^i]; this point is within α of both ends.
  const midpoint = 2 / (1 + gamma);
  const valueOf = (index: number): number => Math.exp(index * lnGamma) * midpoint;

  const create = (): DDSketchState => ({
    pos: new DenseStore(MAX_BUCKETS),
    neg: new DenseStore(MAX_BUCKETS),
    zero: 0,
  });

  return {
    fn: 'quantile',
    resultType: 'float64',
    needsField: true,
    create,
    add(state, value) {
      if (typeof value !== 'number') return state;
      if (value > 0) {
        if (value !== Infinity) state.pos.add(Math.ceil(Math.log(value) * multiplier), 1);
      } else if (value < 0) {
        if (value !== -Infinity) state.neg.add(-Math.ceil(Math.log(-value) * multiplier), 1);
      } else if (value === 0) {
        state.zero++;
      }
      return state;
    },
    merge(a, b) {
      a.pos.mergeFrom(b.pos);
      a.neg.mergeFrom(b.neg);
      a.zero += b.zero;
      return a;
    },
    result(state) {
      const { pos, neg } = state;
      const n = neg.total + state.zero + pos.total;
      if (n === 0) return null;
      const rank = q * (n - 1);
      let seen = 0;
      // Ascending value order: negatives (most negative = lowest key first), zeros, positives.
      for (let key = neg.minIndex; key <= neg.maxIndex; key++) {
        seen += neg.get(key);
        if (seen > rank) return -valueOf(-key);
      }
      seen += state.zero;
      if (seen > rank) return 0;
      for (let index = pos.minIndex; index <= pos.maxIndex; index++) {
        seen += pos.get(index);
        if (seen > rank) return valueOf(index);
      }
      return valueOf(pos.maxIndex); // only reachable through float round-off in `seen`
    },
    toJSON: (state): Json => ({
      a: alpha,
      z: state.zero,
      p: storeToJSON(state.pos),
      n: storeToJSON(state.neg),
    }),
    fromJSON(json) {
      const a = finiteField(json, 'a');
      if (a !== alpha) throw badState(`quantile sketch has accuracy ${a}, this aggregate uses ${alpha}`);
      const state = create();
      state.zero = finiteField(json, 'z');
      storeFromJSON(state.pos, field(json, 'p'));
      storeFromJSON(state.neg, field(json, 'n'));
      return state;
    },
  };
}

/** Compact form: the lowest index and the counts from there to the highest, or null when empty. */
function storeToJSON(store: DenseStore): Json {
  if (store.total === 0) return null;
  const counts: number[] = [];
  for (let j = store.minIndex; j <= store.maxIndex; j++) counts.push(store.get(j));
  return { o: store.minIndex, c: counts };
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
