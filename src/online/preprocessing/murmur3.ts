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
export function hashRest(h: number, low: number, before: number, s: string): number {
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
export interface PairPrefix {
  h: number;
  low: number;
  units: number;
}

/** The hash state after `${name}=`, to continue with {@link hashRest} over a value. */
export function pairPrefix(name: string, seed: number): PairPrefix {
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
export function pairHash(name: string, value: string, seed: number): number {
  const nl = name.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < nl; i += 2) h = mixBlock(h, name.charCodeAt(i) | (name.charCodeAt(i + 1) << 16));
  if (i < nl) return hashRest(mixBlock(h, name.charCodeAt(i) | (61 << 16)), -1, nl + 1, value);
  return hashRest(h, 61, nl + 1, value);
}
