import type { FieldValue } from '../core/event.js';

/**
 * A one-pass reader of flat JSON objects for a fixed set of field names: it checks the bytes are
 * a well-formed object and keeps the values of the named fields, without building the object
 * `JSON.parse` would (most of which the decoder would copy and drop).
 *
 * It takes only the plain case — ASCII text, strings without escapes, no nested values, numbers
 * that convert exactly with one multiplication or division (Clinger's fast path: at most 15
 * significant digits and a power of ten up to 1e22, both exact doubles, so the single rounding is
 * the correct one), each named field at most once — and declines everything else. The decoder
 * then takes its `JSON.parse` path, so this reader never decides a rejection and never yields a
 * value `JSON.parse` would not.
 *
 * Short strings are interned in a small cache: a stream repeats its keys and categories, and
 * handing out the same string object saves the allocation and lets a Map compare by identity.
 */
export class FlatJsonScanner {
  /** After a successful {@link scan}: the value of each named field, `undefined` when absent. */
  readonly values: (FieldValue | undefined)[];
  private readonly names: Uint8Array[];
  /** The field found at each key position of the previous record: the usual guess for the next. */
  private readonly lastOrder: number[] = [];
  private readonly cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE);

  constructor(names: readonly string[]) {
    this.names = names.map((n) => Buffer.from(n, 'utf8'));
    this.values = names.map(() => undefined);
  }

  /** Reads `input`; false when it is not the plain case (the caller must then parse it fully). */
  scan(input: Uint8Array): boolean {
    const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
    const values = this.values;
    for (let k = 0; k < values.length; k++) values[k] = undefined;
    const n = b.length;
    let i = skipSpace(b, 0, n);
    if (i >= n || b[i] !== OPEN_BRACE) return false;
    i = skipSpace(b, i + 1, n);
    if (i < n && b[i] === CLOSE_BRACE) return skipSpace(b, i + 1, n) === n;
    for (let position = 0; ; position++) {
      if (i >= n || b[i] !== QUOTE) return false;
      const keyEnd = plainStringEnd(b, i + 1, n);
      if (keyEnd < 0) return false;
      const field = this.fieldOf(b, i + 1, keyEnd, position);
      i = skipSpace(b, keyEnd + 1, n);
      if (i >= n || b[i] !== COLON) return false;
      i = skipSpace(b, i + 1, n);
      if (field >= 0 && values[field] !== undefined) return false; // duplicate: JSON.parse keeps the last
      i = this.value(b, i, n, field);
      if (i < 0) return false;
      i = skipSpace(b, i, n);
      if (i >= n) return false;
      if (b[i] === COMMA) {
        i = skipSpace(b, i + 1, n);
        continue;
      }
      if (b[i] !== CLOSE_BRACE) return false;
      return skipSpace(b, i + 1, n) === n;
    }
  }

  /** Reads one value at `i` into `values[field]` (dropped when field < 0); the index after it, or −1. */
  private value(b: Buffer, i: number, n: number, field: number): number {
    const c = b[i];
    if (c === QUOTE) {
      const end = plainStringEnd(b, i + 1, n);
      if (end < 0) return -1;
      if (field >= 0) this.values[field] = this.intern(b, i + 1, end);
      return end + 1;
    }
    if (c === MINUS || (c! >= DIGIT_0 && c! <= DIGIT_9)) return this.number(b, i, n, field);
    const literal = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : null;
    // objects, arrays, anything else: JSON.parse decides
    if (literal === null || !matches(b, i, n, literal.bytes)) return -1;
    if (field >= 0) this.values[field] = literal.value;
    return i + literal.bytes.length;
  }

  /** A JSON number at `i` (RFC 8259 grammar), if it converts exactly; the index after it, or −1. */
  private number(b: Buffer, i: number, n: number, field: number): number {
    let p = i;
    const negative = b[p] === MINUS;
    if (negative) p++;
    let mantissa = 0;
    let digits = 0;
    let exponent = 0;
    if (p < n && b[p] === DIGIT_0) {
      p++;
      if (p < n && isDigit(b[p]!)) return -1; // leading zero
    } else if (p < n && isDigit(b[p]!)) {
      for (; p < n && isDigit(b[p]!); p++) {
        mantissa = mantissa * 10 + (b[p]! - DIGIT_0);
        digits++;
      }
    } else return -1;
    if (p < n && b[p] === DOT) {
      p++;
      const first = p;
      for (; p < n && isDigit(b[p]!); p++) {
        const d = b[p]! - DIGIT_0;
        if (mantissa !== 0 || d !== 0) {
          mantissa = mantissa * 10 + d;
          digits++;
        }
        exponent--;
      }
      if (p === first) return -1;
    }
    if (p < n && (b[p] === 0x65 /* e */ || b[p] === 0x45) /* E */) {
      p++;
      const expNegative = b[p] === MINUS;
      if (expNegative || b[p] === PLUS) p++;
      const first = p;
      let e = 0;
      for (; p < n && isDigit(b[p]!); p++) if (e < 10_000) e = e * 10 + (b[p]! - DIGIT_0);
      if (p === first) return -1;
      exponent += expNegative ? -e : e;
    }
    if (digits > MAX_EXACT_DIGITS) return -1;
    let v: number;
    if (mantissa === 0) v = 0;
    else if (exponent >= 0 && exponent <= MAX_EXACT_POWER) v = mantissa * POWERS_OF_TEN[exponent]!;
    else if (exponent < 0 && exponent >= -MAX_EXACT_POWER) v = mantissa / POWERS_OF_TEN[-exponent]!;
    else return -1;
    if (field >= 0) this.values[field] = negative ? -v : v;
    return p;
  }

  /** The field a key names (−1 for none), trying first the field at this position last time. */
  private fieldOf(b: Buffer, start: number, end: number, position: number): number {
    const guess = this.lastOrder[position];
    if (guess !== undefined && guess >= 0 && sameBytes(this.names[guess]!, b, start, end)) return guess;
    let found = -1;
    for (let f = 0; f < this.names.length; f++) {
      if (sameBytes(this.names[f]!, b, start, end)) {
        found = f;
        break;
      }
    }
    this.lastOrder[position] = found;
    return found;
  }

  /** The string of ASCII bytes [start, end), from the cache when it was seen recently. */
  private intern(b: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_INTERNED) return b.toString('latin1', start, end);
    let h = length;
    for (let k = start; k < end; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (CACHE_SIZE - 1);
    const cached = this.cache[slot];
    if (cached !== undefined && cached.length === length) {
      let k = 0;
      while (k < length && cached.charCodeAt(k) === b[start + k]) k++;
      if (k === length) return cached;
    }
    const s = b.toString('latin1', start, end); // ASCII only here, so latin1 is the UTF-8 text
    this.cache[slot] = s;
    return s;
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const TRUE = { bytes: Buffer.from('true'), value: true };
const FALSE = { bytes: Buffer.from('false'), value: false };
const NULL = { bytes: Buffer.from('null'), value: null };
/** Below 2^53 for sure, so the decimal mantissa is an exact double. */
const MAX_EXACT_DIGITS = 15;
/** 10^22 is the largest power of ten that is an exact double. */
const MAX_EXACT_POWER = 22;
const POWERS_OF_TEN = Array.from({ length: MAX_EXACT_POWER + 1 }, (_, k) => Number(`1e${k}`));
const CACHE_SIZE = 1 << 14;
const MAX_INTERNED = 32;

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** JSON whitespace: space, tab, line feed, carriage return. */
function skipSpace(b: Buffer, i: number, n: number): number {
  while (i < n) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** The closing quote of a string starting at `i` that is printable ASCII without escapes, or −1. */
function plainStringEnd(b: Buffer, i: number, n: number): number {
  for (; i < n; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20 || c >= 0x80) return -1;
  }
  return -1;
}

function matches(b: Buffer, i: number, n: number, word: Buffer): boolean {
  if (i + word.length > n) return false;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return false;
  return true;
}

function sameBytes(name: Uint8Array, b: Buffer, start: number, end: number): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name[k]) return false;
  return true;
}
