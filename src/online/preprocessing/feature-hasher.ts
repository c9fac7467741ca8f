import { z } from 'zod';
import type { ModelState, RawFeatures, Transformer } from '../model.js';

const shape = {
  /** Number of buckets; output keys are `#<bucket>`. */
  nFeatures: z
    .number()
    .int()
    .positive()
    .max(2 ** 31)
    .default(2 ** 20),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Multiply by ±1 from a hash bit so collisions cancel in expectation (Weinberger et al.). */
  alternateSign: z.boolean().default(true),
};
/** Options of {@link FeatureHasher}. */
export const FeatureHasherOptions = z.object(shape).strict();
export type FeatureHasherOptions = z.input<typeof FeatureHasherOptions>;
/** The registry spec: options plus `type`. */
export const FeatureHasherSpec = z.object({ type: z.literal('feature-hasher'), ...shape }).strict();

/** MurmurHash3 (x86, 32-bit) over the UTF-16 code units of `s`, two per block. */
export function murmur3(s: string, seed: number): number {
  let h = seed >>> 0;
  const len = s.length;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    let k = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < len) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * {@link murmur3} of `${name}=${value}`, without building that string (one allocation less per
 * categorical feature and event).
 */
export function murmur3Pair(name: string, value: string, seed: number): number {
  const nl = name.length;
  const len = nl + 1 + value.length;
  let h = seed >>> 0;
  let low = -1; // the first code unit of a block, until its second arrives
  for (let j = 0; j < len; j++) {
    const c = j < nl ? name.charCodeAt(j) : j === nl ? 61 /* = */ : value.charCodeAt(j - nl - 1);
    if (low < 0) {
      low = c;
      continue;
    }
    let k = (low | (c << 16)) >>> 0;
    low = -1;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (low >= 0) {
    let k = Math.imul(low, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Prefix of the hasher's output keys: `#<bucket>` is neither integer-like nor a config identifier. */
export const HASHED_KEY_PREFIX = '#';

/**
 * The hashing trick: a numeric feature `name` adds its value to bucket `hash(name)`; a string or
 * boolean feature adds 1 to bucket `hash("name=value")`. The bucket is `hash mod nFeatures`
 * and the sign (with `alternateSign`) comes from the hash's top bit. Output keys are `#<bucket>`.
 *
 * The keys are not integer-like on purpose: V8 stores integer-like keys as array elements, which
 * made every model lookup on the output several times slower. Hashes are not cached: hashing
 * `name=value` in place costs less than a `Map` lookup by the (fresh, unhashed) value string would.
 * {@link transformSparse} skips the output object for models with a sparse path. Stateless.
 *
 * @example
 * new FeatureHasher({ nFeatures: 8 }).transformOne({ color: 'red' }); // { '#2': -1 }
 */
export class FeatureHasher implements Transformer {
  readonly kind = 'feature-hasher';
  readonly options: z.output<typeof FeatureHasherOptions>;

  constructor(options: FeatureHasherOptions = {}) {
    this.options = FeatureHasherOptions.parse(options);
  }

  /** Rebuilds a hasher saved with `toState`. */
  static fromState(state: ModelState): FeatureHasher {
    return new FeatureHasher(state.options as FeatureHasherOptions);
  }

  learnOne(): void {}

  transformOne(x: RawFeatures): Record<string, number> {
    const { nFeatures, alternateSign } = this.options;
    // a dictionary-mode object: bucket keys vary per event, and as named properties of a plain
    // object each new combination would make V8 build new hidden classes
    const out = Object.create(null) as Record<string, number>;
    for (const name in x) {
      const v = x[name];
      const h = this.hash(name, v);
      if (h < 0) continue;
      const value = typeof v === 'number' ? v : 1;
      const key = HASHED_KEY_PREFIX + (h % nFeatures);
      out[key] = (out[key] ?? 0) + (alternateSign && h >= 0x80000000 ? -value : value);
    }
    return out;
  }

  /**
   * {@link transformOne} without the object: writes buckets to `indices` and values to `values`
   * from position `start` and returns the position after the last one written. Entries come in
   * the order (and with the sums) of `transformOne`'s keys. The arrays must have room for one
   * entry per key of `x`.
   */
  transformSparse(x: RawFeatures, indices: Int32Array, values: Float64Array, start = 0): number {
    const { nFeatures, alternateSign } = this.options;
    let n = start;
    for (const name in x) {
      const v = x[name];
      const h = this.hash(name, v);
      if (h < 0) continue;
      let value = typeof v === 'number' ? v : 1;
      if (alternateSign && h >= 0x80000000) value = -value;
      const b = h % nFeatures;
      let k = start;
      while (k < n && indices[k] !== b) k++;
      if (k === n) {
        indices[n] = b;
        values[n++] = 0 + value; // as `(out[key] ?? 0) + value`, which turns -0 into 0
      } else values[k] = values[k]! + value;
    }
    return n;
  }

  /** The feature's hash, or -1 when its value is missing. */
  private hash(name: string, v: RawFeatures[string]): number {
    const seed = this.options.seed;
    if (typeof v === 'number') return murmur3(name, seed);
    if (typeof v === 'string') return murmur3Pair(name, v, seed);
    if (typeof v === 'boolean') return murmur3Pair(name, v ? 'true' : 'false', seed);
    return -1;
  }

  toState(): ModelState {
    return { kind: this.kind, options: this.options };
  }
}
