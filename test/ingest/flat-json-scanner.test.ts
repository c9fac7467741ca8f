import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlatJsonScanner } from '../../src/ingest/flat-json-scanner.js';

const NAMES = ['ts', 'user', 'amount', 'ok', 'note'];

/** What JSON.parse gives for the named fields, or null when JSON.parse throws or gives no object. */
function parsed(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Scans `text`; on success the named values must be JSON.parse's, bit for bit (Object.is). */
function agreesWithJsonParse(scanner: FlatJsonScanner, text: string): boolean {
  const accepted = scanner.scan(Buffer.from(text));
  if (!accepted) return false;
  const obj = parsed(text);
  expect(obj).not.toBeNull();
  NAMES.forEach((name, i) => {
    const expected = Object.hasOwn(obj!, name) ? obj![name] : undefined;
    expect(Object.is(scanner.value(i), expected)).toBe(true);
  });
  return true;
}

const valuesOf = (scanner: FlatJsonScanner): unknown[] => NAMES.map((_, i) => scanner.value(i));

describe('FlatJsonScanner', () => {
  const scanner = new FlatJsonScanner(NAMES);

  it('reads the named fields of a plain record and ignores the others', () => {
    const text =
      ' {"ts": 1767225600000, "user":"u42", "extra": -1.5e-3, "amount":16.55,\t"ok":true,"note":null}\n';
    expect(scanner.scan(Buffer.from(text))).toBe(true);
    expect(valuesOf(scanner)).toEqual([1767225600000, 'u42', 16.55, true, null]);
    expect(scanner.scan(new TextEncoder().encode('{"user":"a"}'))).toBe(true); // a plain Uint8Array too
    expect(valuesOf(scanner)).toEqual([undefined, 'a', undefined, undefined, undefined]);
  });

  it('declines what only JSON.parse can decide', () => {
    for (const text of [
      '',
      '[1]',
      '{"us\u00e9r":"a"}', // non-ASCII key
      '{"user":"a\\ud800b"}', // a lone surrogate: the decoder rejects it (not_utf8) on its slow path
      '{"user":"\\udc00"}',
      '{"user":"a\\xb"}', // not an escape
      '{"user":"\\u12"}',
      '{"user":"\\u12g4"}',
      '{"user":"a\\"}',
      '{"us\\u0065r":"a"}', // escaped key
      '{"a":{"b":1}}', // nested
      '{"a":[1]}',
      '{"user":"a","user":"b"}', // duplicate named field: JSON.parse keeps the last
      '{"amount":01}',
      '{"amount":1.}',
      '{"amount":.5}',
      '{"amount":-}',
      '{"amount":1e}',
      '{"amount":1e400}', // JSON.parse: Infinity, which the decoder rejects (not_finite)
      '{"amount":-123456789012345678e300}',
      '{"amount":NaN}',
      '{"ok":tru}',
      '{"ok":true} x',
      '{"ok":true',
      '{"ok" true}',
      '{"ok":true,}',
      '{,}',
      '\ufeff{}',
    ]) {
      expect(scanner.scan(Buffer.from(text)), text).toBe(false);
    }
  });

  it('converts numbers beyond the exact fast path as JSON.parse does (shortest round-trip doubles)', () => {
    const slot = NAMES.indexOf('amount');
    for (const text of [
      '1234567890123456',
      '0.30000000000000004',
      '-56.505296520836026',
      '-7.636029138868183e-8',
      '1e23',
      '-1e-300',
      '5e-324',
      '1.7976931348623157e308',
      '123456789012345678901234567890',
      '-0.00000000000000000000000000001',
    ]) {
      expect(scanner.scan(Buffer.from(`{"amount":${text}}`)), text).toBe(true);
      expect(Object.is(scanner.value(slot), JSON.parse(text)), text).toBe(true);
    }
  });

  it('reads UTF-8 strings as the fatal decoder and JSON.parse do, and declines ill-formed bytes', () => {
    for (const text of ['café', 'São Paulo', '東京', '😀 ok', '\u2028', 'a\ufeffb', '\u{10ffff}']) {
      const record = Buffer.from(`{"user":"${text}","x":"${text}"}`);
      expect(scanner.scan(record), text).toBe(true);
      expect(scanner.value(1), text).toBe(text);
    }
    const fatal = new TextDecoder('utf-8', { fatal: true });
    for (const bytes of [
      [0xc0, 0x80], // overlong NUL
      [0xc1, 0xbf],
      [0xe0, 0x9f, 0xbf], // overlong
      [0xed, 0xa0, 0x80], // a surrogate (U+D800)
      [0xed, 0xbf, 0xbf],
      [0xf0, 0x8f, 0xbf, 0xbf], // overlong
      [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0x80], // a lone continuation byte
      [0xc3], // cut short by the quote
      [0xe6, 0x9d],
      [0xc3, 0x28],
    ]) {
      for (const field of ['user', 'x']) {
        const record = Buffer.concat([Buffer.from(`{"${field}":"a`), Buffer.from(bytes), Buffer.from('"}')]);
        expect(() => fatal.decode(record), String(bytes)).toThrow();
        expect(scanner.scan(record), `${field} ${String(bytes)}`).toBe(false);
      }
    }
  });

  it('reads escaped strings as JSON.parse does', () => {
    for (const token of [
      '"a\\"b"',
      '"\\\\"',
      '"\\/\\b\\f\\n\\r\\t"',
      '"S\\u00e3o Paulo"', // Python's json.dumps (ensure_ascii)
      '"\\ud83d\\ude00 caf\u00e9"', // a surrogate pair, and raw UTF-8 beside escapes
      '"\\u0000"',
    ]) {
      for (const field of ['user', 'x']) {
        const text = `{"${field}":${token},"ts":1}`;
        expect(scanner.scan(Buffer.from(text)), text).toBe(true);
        expect(agreesWithJsonParse(scanner, text), text).toBe(true);
      }
    }
  });

  it('accepts exactly what a fatal decoder and JSON.parse accept, and reads it as they do (random bytes, escapes)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    // bytes weighted toward lead and continuation bytes, without the quote and the backslash
    const byte = fc.oneof(
      fc.integer({ min: 0x80, max: 0xff }),
      fc.integer({ min: 0x20, max: 0x7f }).filter((c) => c !== 0x22 && c !== 0x5c),
    );
    // escapes, valid and not, lone surrogates among them
    const escape = fc
      .constantFrom('\\n', '\\"', '\\u00e9', '\\ud800', '\\udc00', '\\ud83d\\ude00', '\\x', '\\u12')
      .map((e) => [...Buffer.from(e)]);
    const piece = fc.oneof({ weight: 4, arbitrary: byte.map((c) => [c]) }, { weight: 1, arbitrary: escape });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const bytes = pieces.flat();
        const record = Buffer.concat([Buffer.from('{"user":"'), Buffer.from(bytes), Buffer.from('"}')]);
        let user: string | null = null;
        try {
          user = (JSON.parse(fatal.decode(record)) as { user: string }).user;
        } catch {
          user = null; // not UTF-8, or not JSON
        }
        const wellFormed = user !== null && (user as unknown as { isWellFormed(): boolean }).isWellFormed();
        const ok = scanner.scan(record);
        expect(ok, String(bytes)).toBe(wellFormed);
        if (ok) {
          accepted++;
          expect(scanner.value(1)).toBe(user);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it('only checks the numbers of unnamed fields: any JSON number passes there, bad ones do not', () => {
    for (const text of ['{"x":1e400,"ts":1}', '{"x":12345678901234567890,"ts":1}', '{"x":-0.5E+3,"ts":1}']) {
      expect(scanner.scan(Buffer.from(text)), text).toBe(true);
      expect(scanner.value(0)).toBe(1);
    }
    for (const text of ['{"x":01}', '{"x":1.}', '{"x":-}', '{"x":1e+}', '{"x":+1}'])
      expect(scanner.scan(Buffer.from(text)), text).toBe(false);
  });

  it('matches keys by their bytes whatever the previous record at that position held', () => {
    const own = new FlatJsonScanner(NAMES);
    const records: [string, unknown[]][] = [
      ['{"user":"a","ts":1}', ['1', 'a']],
      ['{"us":"b","ts":2}', ['2', undefined]], // a prefix of the key seen there before
      ['{"user2":"c","ts":3}', ['3', undefined]], // an extension of it
      ['{"ts":4,"user":"d"}', ['4', 'd']], // the fields swap places
      ['{"user":"e","ts":5}', ['5', 'e']],
    ];
    for (const [text, [ts, user]] of records) {
      expect(own.scan(Buffer.from(text)), text).toBe(true);
      expect([String(own.value(0)), own.value(1)], text).toEqual([ts, user]);
    }
  });

  it('agrees with JSON.parse whenever it accepts (numbers bit for bit, -0 included)', () => {
    const numberText = fc.oneof(
      fc.double().map((x) => JSON.stringify(x) ?? 'null'),
      fc.integer().map(String),
      fc.stringMatching(/^-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?$/),
      fc.constantFrom('-0', '-0.0', '0e5', '1e22', '1e-22', '123456789012345', '0.30000000000000004'),
    );
    const valueText = fc.oneof(
      numberText,
      fc.string({ unit: 'grapheme-ascii' }).map((s) => JSON.stringify(s)),
      fc.constantFrom('true', 'false', 'null', '{}', '[]', '"\\u00e9"'),
    );
    // keys that are prefixes or extensions of others test the per-position key memory
    const key = fc.constantFrom(...NAMES, 'other', 'x', 'us', 'user2', 'tsx');
    const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n', '\u000b');
    const record = fc
      .array(fc.tuple(key, valueText, space), { maxLength: 7 })
      .map((members) => `{${members.map(([k, v, s]) => `${s}"${k}"${s}:${s}${v}${s}`).join(',')}}`);
    let accepted = 0;
    fc.assert(
      fc.property(record, (text) => {
        // declining is always allowed (JSON.parse then decides); accepting must agree with it
        if (agreesWithJsonParse(scanner, text)) accepted++;
      }),
      { numRuns: 5_000 },
    );
    expect(accepted).toBeGreaterThan(500); // the plain case is the common one
  });
});
