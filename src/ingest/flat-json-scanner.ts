import type { FieldValue } from '../core/event.js';

/**
 * A one-pass reader of flat JSON objects for a fixed set of field names: it checks the bytes are
 * a well-formed object and keeps the values of the named fields, without building the object
 * `JSON.parse` would (most of which the decoder would copy and drop).
 *
 * It takes only the plain case — ASCII outside strings, strings of well-formed UTF-8 (escapes
 * allowed in values, not in keys) without lone surrogates, no nested values, finite numbers, each
 * named field at most once — and declines everything else. Named fields' numbers mostly convert
 * with one multiplication or division (Clinger's fast path: at most 15 significant digits and a
 * power of ten up to 1e22, both exact doubles, so the single rounding is the correct one); the
 * rest go through the engine's own conversion, token by token. Other fields' numbers are only
 * checked against the grammar. For what it declines the decoder takes its `JSON.parse` path, so
 * this reader never decides a rejection and never yields a value `JSON.parse` would not.
 *
 * Short strings are interned in a small cache: a stream repeats its keys and categories, and
 * handing out the same string object saves the allocation and lets a Map compare by identity.
 *
 * The hot loop is one function over locals: a record is ~200 bytes and every call, field load or
 * bounds check per byte shows. Reads past the end give `undefined`, which fails every comparison
 * below, so the loops need no separate length checks.
 */
export class FlatJsonScanner {
  /** After a successful {@link scan}: what each named field held ({@link TokenKind}; 0 when absent). */
  readonly kinds: Uint8Array;
  /** The value of each field whose kind is `NUMBER` (a typed array: no heap number per value). */
  readonly numbers: Float64Array;
  /** The value of each field whose kind is `STRING`. */
  readonly strings: (string | undefined)[];
  private readonly names: Uint8Array[];
  /**
   * The key at each position of the previous record (its bytes, checked once) and the field it
   * names (−1: none). A stream's records repeat their layout, so a key is usually matched by one
   * compare against its predecessor at the same position, named or not.
   */
  private readonly lastKeys: Uint8Array[] = [];
  private readonly lastFields: number[] = [];
  private readonly cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE);

  constructor(names: readonly string[]) {
    this.names = names.map((n) => new Uint8Array(Buffer.from(n, 'utf8')));
    this.kinds = new Uint8Array(names.length);
    this.numbers = new Float64Array(names.length);
    this.strings = names.map(() => undefined);
  }

  /** Field `slot`'s value as a plain value (`undefined` when absent), for callers off the hot path. */
  value(slot: number): FieldValue | undefined {
    switch (this.kinds[slot]) {
      case NUMBER:
        return this.numbers[slot];
      case STRING:
        return this.strings[slot];
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NULL:
        return null;
      default:
        return undefined;
    }
  }

  /** Reads `b`; false when it is not the plain case (the caller must then parse it fully). */
  scan(b: Uint8Array): boolean {
    const kinds = this.kinds;
    kinds.fill(ABSENT);
    const n = b.length;
    let i = 0;
    let c = b[0];
    while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = b[++i];
    if (c !== OPEN_BRACE) return false;
    c = b[++i];
    while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = b[++i];
    if (c === CLOSE_BRACE) return onlySpaceFrom(b, i + 1, n);
    const lastKeys = this.lastKeys;
    for (let position = 0; ; position++) {
      if (c !== QUOTE) return false;
      // the key: the same bytes as last time at this position (checked then), or read afresh
      const keyStart = i + 1;
      let field: number;
      let keyEnd: number;
      const last = lastKeys[position];
      if (last !== undefined && sameKey(last, b, keyStart)) {
        field = this.lastFields[position]!;
        keyEnd = keyStart + last.length;
      } else {
        keyEnd = keyStart;
        for (c = b[keyEnd]; c !== QUOTE; c = b[++keyEnd])
          if (!(c! >= 0x20 && c! < 0x80 && c !== BACKSLASH)) return false;
        field = this.fieldOf(b, keyStart, keyEnd);
        // a copy: `b` may be a view into a buffer the source reuses (Buffer#slice would be one too)
        lastKeys[position] = Uint8Array.prototype.slice.call(b, keyStart, keyEnd);
        this.lastFields[position] = field;
      }
      i = keyEnd + 1;
      c = b[i];
      while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = b[++i];
      if (c !== COLON) return false;
      c = b[++i];
      while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = b[++i];
      if (field >= 0 && kinds[field] !== ABSENT) return false; // duplicate: JSON.parse keeps the last
      // the value
      if (c === QUOTE) {
        // the pass that checks the string also hashes it for the intern cache
        const start = i + 1;
        let end = start;
        let h = FNV_OFFSET;
        for (c = b[end]; c !== QUOTE; c = b[++end]) {
          if (!(c! >= 0x20 && c! < 0x80 && c !== BACKSLASH)) break;
          h = Math.imul(h ^ c!, FNV_PRIME);
        }
        if (c === QUOTE) {
          if (field >= 0) {
            kinds[field] = STRING;
            this.strings[field] = this.intern(b, start, end, h);
          }
        } else {
          // beyond plain ASCII: UTF-8 and escapes up to the closing quote (not interned)
          end = stringEnd(b, end);
          if (end < 0) return false;
          if (field >= 0) {
            const text = escaped ? unescaped(b, start, end) : utf8Slice.call(b, start, end);
            if (text === null) return false;
            kinds[field] = STRING;
            this.strings[field] = text;
          }
        }
        i = end + 1;
      } else if (c === MINUS || (c! >= DIGIT_0 && c! <= DIGIT_9)) {
        // an unnamed field's number is only checked: any number JSON allows will do there
        i = field >= 0 ? readNumber(b, i, this.numbers, field) : skipNumber(b, i);
        if (i < 0) return false;
        if (field >= 0) kinds[field] = NUMBER;
      } else if (c === 0x74 /* t */) {
        if (b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) return false;
        if (field >= 0) kinds[field] = TRUE;
        i += 4;
      } else if (c === 0x66 /* f */) {
        if (b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return false;
        if (field >= 0) kinds[field] = FALSE;
        i += 5;
      } else if (c === 0x6e /* n */) {
        if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return false;
        if (field >= 0) kinds[field] = NULL;
        i += 4;
      } else return false; // objects, arrays, anything else: JSON.parse decides
      // a comma and the next key, or the end
      c = b[i];
      while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = b[++i];
      if (c === COMMA) {
        c = b[++i];
        while (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) c = b[++i];
        continue;
      }
      if (c !== CLOSE_BRACE) return false;
      return onlySpaceFrom(b, i + 1, n);
    }
  }

  /** The field a key names, or −1. */
  private fieldOf(b: Uint8Array, start: number, end: number): number {
    for (let f = 0; f < this.names.length; f++) if (sameBytes(this.names[f]!, b, start, end)) return f;
    return -1;
  }

  /** The string of ASCII bytes [start, end) whose FNV-1a hash is `h`, from the cache when it was seen recently. */
  private intern(b: Uint8Array, start: number, end: number, h: number): string {
    const length = end - start;
    if (length > MAX_INTERNED) return latin1(b, start, end);
    const slot = (h ^ (h >>> 15)) & (CACHE_SIZE - 1);
    const cached = this.cache[slot];
    if (cached !== undefined && cached.length === length) {
      let k = 0;
      while (k < length && cached.charCodeAt(k) === b[start + k]) k++;
      if (k === length) return cached;
    }
    const s = latin1(b, start, end); // ASCII only here, so latin1 is the UTF-8 text
    this.cache[slot] = s;
    return s;
  }
}

/** What a field held in the record last scanned. */
export const ABSENT = 0;
export const NUMBER = 1;
export const STRING = 2;
export const TRUE = 3;
export const FALSE = 4;
export const NULL = 5;
export type TokenKind =
  typeof ABSENT | typeof NUMBER | typeof STRING | typeof TRUE | typeof FALSE | typeof NULL;

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
const SPACE = 0x20;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const TAB = 0x09;
/** Below 2^53 for sure, so the decimal mantissa is an exact double. */
const MAX_EXACT_DIGITS = 15;
/** 10^22 is the largest power of ten that is an exact double. */
const MAX_EXACT_POWER = 22;
const POWERS_OF_TEN = Float64Array.from({ length: MAX_EXACT_POWER + 1 }, (_, k) => Number(`1e${k}`));
const CACHE_SIZE = 1 << 14;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const MAX_INTERNED = 32;
/** Buffer's own decoders of a byte range, callable on any Uint8Array (no Buffer view made). */
type SliceDecoder = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = Buffer.prototype.latin1Slice as SliceDecoder;
const utf8Slice = Buffer.prototype.utf8Slice as SliceDecoder;

/** Whether the string {@link stringEnd} last read held an escape. */
let escaped = false;

/**
 * The index of the quote closing a string whose bytes from `i` on are well-formed UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF) and valid JSON escapes, without control
 * characters, or −1; {@link escaped} says whether an escape occurred. Such bytes are what a fatal
 * UTF-8 decode accepts and what JSON.parse reads.
 */
function stringEnd(b: Uint8Array, i: number): number {
  escaped = false;
  for (let c = b[i]; c !== QUOTE; c = b[++i]) {
    if (c === undefined) return -1;
    if (c < 0x80) {
      if (c < 0x20) return -1;
      if (c === BACKSLASH) {
        escaped = true;
        c = b[++i];
        if (c === 0x75 /* u */) {
          for (let k = 0; k < 4; k++) if (!isHexDigit(b[++i])) return -1;
        } else if (!(c !== undefined && SIMPLE_ESCAPES.includes(c))) return -1;
      }
      continue;
    }
    // the lead byte gives the length and the range of the first continuation byte
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) more = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f; // U+D800..U+DFFF are surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f; // beyond U+10FFFF
    } else return -1;
    const first = b[++i];
    if (first === undefined || first < lo || first > hi) return -1;
    for (let k = 1; k < more; k++) {
      const next = b[++i];
      if (next === undefined || next < 0x80 || next > 0xbf) return -1;
    }
  }
  return i;
}

/** `"`, `\\`, `/`, `b`, `f`, `n`, `r`, `t`: what may follow a backslash besides `u`. */
const SIMPLE_ESCAPES: readonly number[] = [0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74];

function isHexDigit(c: number | undefined): boolean {
  return (
    c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
  );
}

/**
 * The text of the checked string [start, end) holding escapes: JSON.parse of that token alone,
 * so escapes read exactly as in the whole record; null when it holds a lone surrogate (`\ud800`),
 * which the decoder rejects on its slow path.
 */
function unescaped(b: Uint8Array, start: number, end: number): string | null {
  const text = JSON.parse(utf8Slice.call(b, start - 1, end + 1)) as string;
  return isWellFormed.call(text) ? text : null;
}

/** ES2024's String.prototype.isWellFormed (Node ≥ 20), typed here because our lib is ES2023. */
export const isWellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean })
  .isWellFormed;

function latin1(b: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(b, start, end);
}

/**
 * A JSON number at `i` (RFC 8259 grammar), if finite: stores it in `out[slot]` (a typed array, so
 * no heap number is made) and returns the index after it, or −1.
 */
function readNumber(b: Uint8Array, i: number, out: Float64Array, slot: number): number {
  let c = b[i];
  const negative = c === MINUS;
  if (negative) c = b[++i];
  const start = i; // the magnitude's first digit
  let mantissa = 0;
  let digits = 0;
  let exponent = 0;
  if (c === DIGIT_0) {
    c = b[++i];
    if (c! >= DIGIT_0 && c! <= DIGIT_9) return -1; // leading zero
  } else if (c! >= DIGIT_0 && c! <= DIGIT_9) {
    do {
      mantissa = mantissa * 10 + (c! - DIGIT_0);
      digits++;
      c = b[++i];
    } while (c! >= DIGIT_0 && c! <= DIGIT_9);
  } else return -1;
  if (c === DOT) {
    c = b[++i];
    if (!(c! >= DIGIT_0 && c! <= DIGIT_9)) return -1;
    do {
      const d = c! - DIGIT_0;
      // zeros before the first significant digit only move the exponent
      if (digits !== 0 || d !== 0) {
        mantissa = mantissa * 10 + d;
        digits++;
      }
      exponent--;
      c = b[++i];
    } while (c! >= DIGIT_0 && c! <= DIGIT_9);
  }
  if (c === 0x65 /* e */ || c === 0x45 /* E */) {
    c = b[++i];
    const expNegative = c === MINUS;
    if (expNegative || c === PLUS) c = b[++i];
    if (!(c! >= DIGIT_0 && c! <= DIGIT_9)) return -1;
    let e = 0;
    do {
      if (e < 10_000) e = e * 10 + (c! - DIGIT_0);
      c = b[++i];
    } while (c! >= DIGIT_0 && c! <= DIGIT_9);
    exponent += expNegative ? -e : e;
  }
  let v: number;
  if (digits > MAX_EXACT_DIGITS) v = slowNumber(b, start, i);
  else if (mantissa === 0) v = 0;
  else if (exponent >= 0 && exponent <= MAX_EXACT_POWER) v = mantissa * POWERS_OF_TEN[exponent]!;
  else if (exponent < 0 && exponent >= -MAX_EXACT_POWER) v = mantissa / POWERS_OF_TEN[-exponent]!;
  else v = slowNumber(b, start, i);
  if (!Number.isFinite(v)) return -1; // 1e400: JSON.parse gives Infinity, which the decoder rejects
  out[slot] = negative ? -v : v;
  return i;
}

/**
 * The double nearest the unsigned number in [start, end): beyond the fast path —
 * more than 15 significant digits, as shortest round-trip output of most doubles has, or a
 * large power of ten — the engine's correctly rounded conversion, the one `JSON.parse` uses.
 * Only this token is converted that way, so such records keep the scanner's path.
 */
function slowNumber(b: Uint8Array, start: number, end: number): number {
  return Number(latin1(b, start, end));
}

/** The index after the JSON number at `i` (RFC 8259 grammar), or −1; its value is not computed. */
function skipNumber(b: Uint8Array, i: number): number {
  let c = b[i];
  if (c === MINUS) c = b[++i];
  if (c === DIGIT_0) {
    c = b[++i];
    if (c! >= DIGIT_0 && c! <= DIGIT_9) return -1; // leading zero
  } else if (c! >= DIGIT_0 && c! <= DIGIT_9) {
    do c = b[++i];
    while (c! >= DIGIT_0 && c! <= DIGIT_9);
  } else return -1;
  if (c === DOT) {
    c = b[++i];
    if (!(c! >= DIGIT_0 && c! <= DIGIT_9)) return -1;
    do c = b[++i];
    while (c! >= DIGIT_0 && c! <= DIGIT_9);
  }
  if (c === 0x65 /* e */ || c === 0x45 /* E */) {
    c = b[++i];
    if (c === MINUS || c === PLUS) c = b[++i];
    if (!(c! >= DIGIT_0 && c! <= DIGIT_9)) return -1;
    do c = b[++i];
    while (c! >= DIGIT_0 && c! <= DIGIT_9);
  }
  return i;
}

/** Whether only JSON whitespace follows from `i` to `n`. */
function onlySpaceFrom(b: Uint8Array, i: number, n: number): boolean {
  for (; i < n; i++) {
    const c = b[i];
    if (c !== SPACE && c !== NEWLINE && c !== RETURN && c !== TAB) return false;
  }
  return true;
}

/** Whether `b` holds `key` from `start`, closed by a quote. */
function sameKey(key: Uint8Array, b: Uint8Array, start: number): boolean {
  const length = key.length;
  for (let k = 0; k < length; k++) if (b[start + k] !== key[k]) return false;
  return b[start + length] === QUOTE;
}

function sameBytes(name: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  const length = name.length;
  if (end - start !== length) return false;
  for (let k = 0; k < length; k++) if (b[start + k] !== name[k]) return false;
  return true;
}
