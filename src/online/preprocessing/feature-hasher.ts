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

/*
 * MurmurHash3 (x86, 32-bit) over the UTF-16 code units of a string, two per 32-bit block (equal to
 * scikit-learn's `murmurhash3_32` of the UTF-16LE bytes). The state is split into steps so a
 * `name=value` token can be hashed from a precomputed `name=` state without building the string.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** One full block `k` mixed into `h`. */
function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * The final half block (one code unit, or -1) and the length mix; `units` counts UTF-16 code
 * units. The hash comes out as an int32 (its unsigned value is the murmur3 value): kept in int32
 * range, it never becomes a heap number on the way to the bucket.
 */
function finish(h: number, tail: number, units: number): number {
  if (tail >= 0) {
    let k = Math.imul(tail, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  h ^= units * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Continues a hash whose first `before` code units are mixed into `h`, with `low` the pending
 * code unit of an unfinished block (-1 if none), over the code units of `s`.
 */
function hashRest(h: number, low: number, before: number, s: string): number {
  const len = s.length;
  let i = 0;
  if (low >= 0) {
    if (len === 0) return finish(h, low, before);
    h = mixBlock(h, low | (s.charCodeAt(0) << 16));
    i = 1;
  }
  for (; i + 1 < len; i += 2) h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  return finish(h, i < len ? s.charCodeAt(i) : -1, before + len);
}

/** MurmurHash3 (x86, 32-bit) over the UTF-16 code units of `s`, two per block. */
export function murmur3(s: string, seed: number): number {
  return hashRest(seed | 0, -1, 0, s) >>> 0;
}

/** The state after `name=`: the mixed blocks and the pending code unit (`=` when `name` is even). */
interface PairPrefix {
  h: number;
  low: number;
  units: number;
}

function pairPrefix(name: string, seed: number): PairPrefix {
  const nl = name.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < nl; i += 2) h = mixBlock(h, name.charCodeAt(i) | (name.charCodeAt(i + 1) << 16));
  if (i < nl) return { h: mixBlock(h, name.charCodeAt(i) | (61 << 16)), low: -1, units: nl + 1 };
  return { h, low: 61 /* = */, units: nl + 1 };
}

/**
 * {@link murmur3} of `${name}=${value}`, without building that string (one allocation less per
 * categorical feature and event).
 */
export function murmur3Pair(name: string, value: string, seed: number): number {
  return pairHash(name, value, seed) >>> 0;
}

/** {@link murmur3Pair} as an int32. */
function pairHash(name: string, value: string, seed: number): number {
  const nl = name.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < nl; i += 2) h = mixBlock(h, name.charCodeAt(i) | (name.charCodeAt(i + 1) << 16));
  if (i < nl) return hashRest(mixBlock(h, name.charCodeAt(i) | (61 << 16)), -1, nl + 1, value);
  return hashRest(h, 61, nl + 1, value);
}

/** `mask` for {@link bucketOf}: `nFeatures - 1` for a power of two, else -1. */
function bucketMask(nFeatures: number): number {
  return (nFeatures & (nFeatures - 1)) === 0 ? nFeatures - 1 : -1;
}

/** The bucket of an int32 hash: its unsigned value mod `nFeatures` (a mask for a power of two). */
function bucketOf(h: number, nFeatures: number, mask: number): number {
  return mask >= 0 ? h & mask : (h >>> 0) % nFeatures;
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
  private readonly mask: number;

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
    const { nFeatures, alternateSign } = this.options;
    const mask = this.mask;
    // a dictionary-mode object: bucket keys vary per event, and as named properties of a plain
    // object each new combination would make V8 build new hidden classes
    const out = Object.create(null) as Record<string, number>;
    for (const name in x) {
      const v = x[name];
      if (v === null || v === undefined) continue;
      const h = this.hash(name, v);
      const value = typeof v === 'number' ? v : 1;
      const key = HASHED_KEY_PREFIX + bucketOf(h, nFeatures, mask);
      out[key] = (out[key] ?? 0) + (alternateSign && h < 0 ? -value : value);
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
    const mask = this.mask;
    let n = start;
    for (const name in x) {
      const v = x[name];
      if (v === null || v === undefined) continue;
      const h = this.hash(name, v);
      let value = typeof v === 'number' ? v : 1;
      if (alternateSign && h < 0) value = -value; // the top bit of the unsigned hash
      const b = bucketOf(h, nFeatures, mask);
      let k = start;
      while (k < n && indices[k] !== b) k++;
      if (k === n) {
        indices[n] = b;
        values[n++] = 0 + value; // as `(out[key] ?? 0) + value`, which turns -0 into 0
      } else values[k] = values[k]! + value;
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

/**
 * {@link FeatureHasher.transformSparse} of the categorical fields `names` of an event, read as
 * `{ [name]: String(value) }` over the fields present (null and absent ones skipped): the same
 * entries, order and sums, with `name=` hashed once at construction (see {@link FeatureHasher.forFields}).
 */
export class HashedFields {
  readonly names: readonly string[];
  /** Per field, the hash state after `name=`: mixed blocks, pending code unit (-1: none), length. */
  private readonly prefixH: Int32Array;
  private readonly prefixLow: Int32Array;
  private readonly prefixUnits: Int32Array;
  private readonly mask: number;

  constructor(
    names: readonly string[],
    private readonly options: z.output<typeof FeatureHasherOptions>,
  ) {
    this.names = [...new Set(names)]; // as the keys of a dict
    const prefixes = this.names.map((name) => pairPrefix(name, options.seed));
    this.prefixH = Int32Array.from(prefixes, (p) => p.h);
    this.prefixLow = Int32Array.from(prefixes, (p) => p.low);
    this.prefixUnits = Int32Array.from(prefixes, (p) => p.units);
    this.mask = bucketMask(options.nFeatures);
  }

  /** Writes entries from `start` and returns the position after the last (see `transformSparse`). */
  transformSparse(
    x: Readonly<Record<string, unknown>>,
    indices: Int32Array,
    values: Float64Array,
    start = 0,
  ): number {
    const { names, prefixH, prefixLow, prefixUnits } = this;
    const { nFeatures, alternateSign } = this.options;
    const mask = this.mask;
    let n = start;
    for (let f = 0; f < names.length; f++) {
      const v = x[names[f]!];
      if (v === null || v === undefined) continue;
      const h = hashRest(prefixH[f]!, prefixLow[f]!, prefixUnits[f]!, typeof v === 'string' ? v : String(v));
      const value = alternateSign && h < 0 ? -1 : 1;
      const b = bucketOf(h, nFeatures, mask);
      let k = start;
      while (k < n && indices[k] !== b) k++;
      if (k === n) {
        indices[n] = b;
        values[n++] = value;
      } else values[k] = values[k]! + value;
    }
    return n;
  }
}
