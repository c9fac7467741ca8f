/**
 * MurmurHash3 x86_128 (Austin Appleby, public domain), lower 64 bits, in 32-bit arithmetic only:
 * BigInt would allocate on every call and this runs once per event in `distinct`. The result is
 * left in {@link hashLo}/{@link hashHi} instead of a returned pair for the same reason.
 *
 * Strings are hashed as their UTF-16LE bytes (two code units per 32-bit word) so no encoding
 * step is needed; numbers as their 8 IEEE-754 bytes.
 */

/**
 * Bits 0–31 (h1) of the last hash, as a signed 32-bit integer (`>>> 0` reads them unsigned): a
 * module variable holding an unsigned value ≥ 2^31 would box it in a new heap number per hash.
 */
export let hashLo = 0;
/** Bits 32–63 (h2) of the last hash, signed like {@link hashLo}. */
export let hashHi = 0;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function finish(h1: number, h2: number, h3: number, h4: number, length: number): void {
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  hashLo = h1;
  hashHi = h2;
}

/** Code units `at` and `at + 1` of `s` as one little-endian word; a missing second unit reads as 0. */
function word(s: string, at: number, end: number): number {
  return at + 1 < end ? s.charCodeAt(at) | (s.charCodeAt(at + 1) << 16) : s.charCodeAt(at);
}

/** Hashes the UTF-16LE bytes of `s`; the 64-bit result is in `hashLo`/`hashHi`. */
export function hashString(s: string, seed: number): void {
  const units = s.length;
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blockEnd = units & ~7; // 8 code units = 16 bytes per block
  let i = 0;
  for (; i < blockEnd; i += 8) {
    let k1 = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    let k2 = s.charCodeAt(i + 2) | (s.charCodeAt(i + 3) << 16);
    let k3 = s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 16);
    let k4 = s.charCodeAt(i + 6) | (s.charCodeAt(i + 7) << 16);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // Tail: up to 7 code units (14 bytes). A word is present when any of its bytes is.
  const rest = units - i;
  if (rest > 6) h4 ^= Math.imul(rotl(Math.imul(word(s, i + 6, units), C4), 18), C1);
  if (rest > 4) h3 ^= Math.imul(rotl(Math.imul(word(s, i + 4, units), C3), 17), C4);
  if (rest > 2) h2 ^= Math.imul(rotl(Math.imul(word(s, i + 2, units), C2), 16), C3);
  if (rest > 0) h1 ^= Math.imul(rotl(Math.imul(word(s, i, units), C1), 15), C2);
  finish(h1, h2, h3, h4, units * 2);
}

/** Hashes the 8 little-endian IEEE-754 bytes of `x` (−0 as 0, every NaN alike); result in `hashLo`/`hashHi`. */
export function hashNumber(x: number, seed: number): void {
  f64[0] = x === 0 ? 0 : x !== x ? NaN : x;
  const h = seed | 0;
  const h1 = h ^ Math.imul(rotl(Math.imul(u32[0]!, C1), 15), C2);
  const h2 = h ^ Math.imul(rotl(Math.imul(u32[1]!, C2), 16), C3);
  finish(h1, h2, h, h, 8);
}
