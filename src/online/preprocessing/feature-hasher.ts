import { z } from 'zod';
import type { ModelState, RawFeatures, Transformer } from '../model.js';
import { RowBuckets, bucketMask, bucketOf } from './buckets.js';
import { HashedFields } from './hashed-fields.js';
import { hashRest, pairHash } from './murmur3.js';

export { HashedFields } from './hashed-fields.js';
export { murmur3, murmur3Pair } from './murmur3.js';

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

/** Prefix of the hasher's output keys: `#<bucket>` is neither integer-like nor a config identifier. */
export const HASHED_KEY_PREFIX = '#';

/** Most key strings a {@link BucketKeys} holds. */
const MAX_CACHED_KEYS = 2 ** 16;

/**
 * The output keys `#<bucket>`, cached by bucket. A fresh key string per feature and event was
 * most of `transformOne`'s time: the number is formatted, the string built, and V8 then looks it
 * up in its string table to use it as a property name. Direct-mapped (slot `bucket mod size`, a
 * newer bucket replaces the older), so it holds at most {@link MAX_CACHED_KEYS} strings.
 */
class BucketKeys {
  /** The bucket whose key each slot holds, -1 for none. */
  private readonly buckets: Int32Array;
  private readonly keys: string[];
  private readonly slotMask: number;

  constructor(nFeatures: number) {
    let size = 1;
    while (size < nFeatures && size < MAX_CACHED_KEYS) size *= 2;
    this.buckets = new Int32Array(size).fill(-1);
    this.keys = new Array<string>(size).fill('');
    this.slotMask = size - 1;
  }

  /** `#<b>`. */
  of(b: number): string {
    const slot = b & this.slotMask;
    if (this.buckets[slot] === b) return this.keys[slot]!;
    const key = HASHED_KEY_PREFIX + b;
    this.buckets[slot] = b;
    this.keys[slot] = key;
    return key;
  }
}

/**
 * The hashing trick: a numeric feature `name` adds its value to bucket `hash(name)`; a string or
 * boolean feature adds 1 to bucket `hash("name=value")`. The bucket is `hash mod nFeatures`
 * and the sign (with `alternateSign`) comes from the hash's top bit. Output keys are `#<bucket>`.
 *
 * The keys are not integer-like on purpose: V8 stores integer-like keys as array elements, which
 * made every model lookup on the output several times slower. Hashes are not cached: hashing
 * `name=value` in place costs less than a `Map` lookup by the value string (measured: a per-field
 * `Map` made the learner's hashed path ~35% slower). {@link transformSparse} skips the output
 * object for models with a sparse path. It learns nothing; what it keeps (reused buffers, key
 * strings) is a cache, not state.
 *
 * @example
 * new FeatureHasher({ nFeatures: 8 }).transformOne({ color: 'red' }); // { '#2': -1 }
 */
export class FeatureHasher implements Transformer {
  readonly kind = 'feature-hasher';
  readonly options: z.output<typeof FeatureHasherOptions>;
  private readonly mask: number;
  /** `transformOne`'s row before it becomes an object (grown when an input has more keys). */
  private rowIdx = new Int32Array(32);
  private rowVals = new Float64Array(32);
  /** Made by the first `transformOne` (a hasher on the sparse path may never build an object). */
  private keys: BucketKeys | null = null;
  private readonly written = new RowBuckets();

  constructor(options: FeatureHasherOptions = {}) {
    this.options = FeatureHasherOptions.parse(options);
    this.mask = bucketMask(this.options.nFeatures);
  }

  /** Rebuilds a hasher saved with `toState`. */
  static fromState(state: ModelState): FeatureHasher {
    return new FeatureHasher(state.options as FeatureHasherOptions);
  }

  learnOne(): void {}

  transformOne(x: RawFeatures): Record<string, number> {
    let n = this.hashInto(x, this.rowIdx, this.rowVals, 0);
    while (n < 0) {
      this.rowIdx = new Int32Array(this.rowIdx.length * 2);
      this.rowVals = new Float64Array(this.rowVals.length * 2);
      n = this.hashInto(x, this.rowIdx, this.rowVals, 0);
    }
    const { rowIdx, rowVals } = this;
    const keys = (this.keys ??= new BucketKeys(this.options.nFeatures));
    // a dictionary-mode object: bucket keys vary per event, and as named properties of a plain
    // object each new combination would make V8 build new hidden classes. The row already holds
    // the sums, so each key is stored once and never read back.
    const out = Object.create(null) as Record<string, number>;
    for (let k = 0; k < n; k++) out[keys.of(rowIdx[k]!)] = rowVals[k]!;
    return out;
  }

  /**
   * {@link transformOne} without the object: writes buckets to `indices` and values to `values`
   * from position `start` and returns the position after the last one written. Entries come in
   * the order (and with the sums) of `transformOne`'s keys. The arrays must have room for one
   * entry per key of `x` (a RangeError otherwise).
   */
  transformSparse(x: RawFeatures, indices: Int32Array, values: Float64Array, start = 0): number {
    const n = this.hashInto(x, indices, values, start);
    if (n < 0) throw new RangeError('transformSparse: the arrays have no room for every feature of x');
    return n;
  }

  /**
   * The entries of `x` written from `start` (see {@link transformSparse}); -1 when the arrays run
   * out of room. Buckets are summed in place, in first-seen order, exactly as `(out[key] ?? 0) +
   * value` would sum them on an object.
   */
  private hashInto(x: RawFeatures, indices: Int32Array, values: Float64Array, start: number): number {
    const { nFeatures, alternateSign } = this.options;
    const mask = this.mask;
    const room = Math.min(indices.length, values.length);
    const written = this.written;
    written.next();
    let n = start;
    for (const name in x) {
      const v = x[name];
      if (v === null || v === undefined) continue;
      const h = this.hash(name, v);
      let value = typeof v === 'number' ? v : 1;
      if (alternateSign && h < 0) value = -value; // the top bit of the unsigned hash
      const b = bucketOf(h, nFeatures, mask);
      const k = written.positionOf(b, indices, start, n);
      if (k < n) values[k] = values[k]! + value;
      else if (n === room) return -1;
      else {
        indices[n] = b;
        values[n++] = 0 + value; // as `(out[key] ?? 0) + value`, which turns -0 into 0
      }
    }
    return n;
  }

  /**
   * A hasher of the fixed categorical fields `names` of events: each field's `name=` is hashed
   * once here, so an event costs only its values' code units, and no key is enumerated.
   */
  forFields(names: readonly string[]): HashedFields {
    return new HashedFields(names, this.options);
  }

  /** The feature's hash as an int32: of `name` for a number, of `name=value` otherwise. */
  private hash(name: string, v: number | string | boolean): number {
    const seed = this.options.seed;
    if (typeof v === 'number') return hashRest(seed | 0, -1, 0, name);
    return pairHash(name, typeof v === 'string' ? v : v ? 'true' : 'false', seed);
  }

  toState(): ModelState {
    return { kind: this.kind, options: this.options };
  }
}
