import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSchemaSchema } from '../../src/core/config/index.js';
import { createDecoder } from '../../src/ingest/decoder.js';

const schema = eventSchemaSchema.parse({
  fields: { user: 'string', amount: 'number', n: 'integer', ok: 'boolean', note: 'string' },
  optional: ['note'],
  maxRecordBytes: 4096,
});
const decode = createDecoder(schema);
const record = (value: Uint8Array) => ({ offset: '0', key: null, value, ts: 0 });

/**
 * Whatever bytes arrive, the decoder answers with a typed event or a rejection with a reason —
 * it never throws, and an accepted event always satisfies the schema.
 */
describe('decoder properties', () => {
  it('never throws on arbitrary bytes, and rejects with a reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), (bytes) => {
        const r = decode(record(bytes));
        if (!r.ok) expect(r.rejection.reason.length).toBeGreaterThan(0);
        else checkEvent(r.event);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary JSON, and every accepted event matches the schema', () => {
    const value = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    const object = fc.record(
      {
        ts: fc.oneof(fc.integer({ min: -1e6, max: 9e15 }), fc.double(), fc.string()),
        user: value,
        amount: value,
        n: value,
        ok: value,
        note: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(object, fc.jsonValue()), (v) => {
        const r = decode(record(Buffer.from(JSON.stringify(v) ?? 'null')));
        if (r.ok) checkEvent(r.event);
        else expect(r.rejection.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every well-formed record and keeps its values exactly', () => {
    const good = fc.record({
      ts: fc.integer({ min: 0, max: Date.UTC(2199, 0, 1) }),
      user: fc.string(),
      amount: fc.double({ noNaN: true, noDefaultInfinity: true }),
      n: fc.maxSafeInteger(),
      ok: fc.boolean(),
    });
    fc.assert(
      fc.property(good, (v) => {
        const r = decode(record(Buffer.from(JSON.stringify(v))));
        if (Buffer.byteLength(JSON.stringify(v)) > 4096) return;
        expect(r.ok).toBe(true);
        if (r.ok)
          expect(r.event).toEqual({ ...v, amount: Object.is(v.amount, -0) ? 0 : v.amount, note: null });
      }),
      { numRuns: 2000 },
    );
  });
});

function checkEvent(e: Record<string, unknown>): void {
  expect(Number.isSafeInteger(e.ts)).toBe(true);
  expect(typeof e.user).toBe('string');
  expect(typeof e.amount === 'number' && Number.isFinite(e.amount)).toBe(true);
  expect(Number.isSafeInteger(e.n)).toBe(true);
  expect(typeof e.ok).toBe('boolean');
  expect(e.note === null || typeof e.note === 'string').toBe(true);
}

/**
 * The fast path (schema scanner + compiled event factory) must give exactly the event of the
 * JSON.parse path — same values (bit for bit, -0 included), same key order, same key — or leave
 * the record to that path; rejections always come from that path.
 */
describe('decoder fast path', () => {
  const schemas = [
    eventSchemaSchema.parse({
      fields: { user: 'string', amount: 'number', n: 'integer', ok: 'boolean', note: 'string' },
      optional: ['note', 'ok'],
    }),
    eventSchemaSchema.parse({
      timeField: 'at',
      timeFormat: 'epoch_s',
      keyField: 'n',
      fields: { at: 'number', n: 'integer', constructor: 'string', toString: 'number' },
      optional: ['constructor', 'toString'],
    }),
    eventSchemaSchema.parse({
      timeFormat: 'iso',
      keyField: 'user',
      fields: { user: 'string', ts: 'string', amount: 'number' },
      optional: ['amount'],
    }),
    // a declared field named `key`: the event key overrides it in place (first, so the keep test,
    // which keeps every other field, keeps it: an unkept `key` is the event key's alone)
    eventSchemaSchema.parse({
      keyField: 'id',
      fields: { key: 'string', a: 'number', id: 'string', z: 'boolean' },
      optional: ['key', 'id', 'z'],
    }),
  ];
  const numberText = fc.oneof(
    fc.double().map((x) => JSON.stringify(x) ?? 'null'),
    fc.integer().map(String),
    fc.integer({ min: 0, max: 4e9 }).map((s) => String(s * 1000)),
    fc.stringMatching(/^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?([eE][+-]?[0-9]{1,3})?$/),
    fc.constantFrom('-0', '1e22', '9007199254740993', '1.5', '1767225600000', '1767225600'),
  );
  const valueText = fc.oneof(
    numberText,
    fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map((s) => JSON.stringify(s)),
    fc.constantFrom(
      '"u1"',
      '"2026-01-01T00:00:00Z"',
      '"caf\u00e9"',
      '"a\\u0041"',
      'true',
      'false',
      'null',
      '{}',
      '[1]',
    ),
  );
  const typed: Record<string, fc.Arbitrary<string>> = {
    number: numberText,
    integer: fc.oneof(fc.maxSafeInteger().map(String), numberText),
    string: fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map((s) => JSON.stringify(s)),
      fc.constantFrom('"2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00.123+02:00"'),
    ),
    boolean: fc.constantFrom('true', 'false'),
  };
  const space = fc.constantFrom('', '', ' ', '\n', '\t');
  /** A record of `schema`'s fields (mostly of the right type), some missing, extras, any order. */
  const recordOf = (schema: (typeof schemas)[number]) => {
    const time =
      schema.timeFormat === 'iso'
        ? fc.oneof(
            { weight: 3, arbitrary: typed.string! },
            // no zone (UTC), a date alone, an impossible date (refused on both paths)
            {
              weight: 1,
              arbitrary: fc.constantFrom('"2026-01-01T00:00:00"', '"2026-01-01"', '"2026-02-30T00:00:00Z"'),
            },
          )
        : fc.integer({ min: 0, max: 4e9 }).map((t) => String(schema.timeFormat === 'epoch_s' ? t : t * 1000));
    const fields = Object.entries({ ...schema.fields, [schema.timeField]: 'time' }).map(([name, type]) =>
      fc.option(
        fc.tuple(
          fc.constant(name),
          fc.oneof(
            { weight: 8, arbitrary: type === 'time' ? time : typed[type]! },
            { weight: 1, arbitrary: valueText },
          ),
          space,
        ),
        { freq: 10 },
      ),
    );
    const extra = fc.array(fc.tuple(fc.constantFrom('other', 'user', 'x'), valueText, space), {
      maxLength: 2,
    });
    return fc
      .tuple(fc.tuple(...fields), extra)
      .map(([members, more]) => [...members.filter((m) => m !== null), ...more])
      .chain((all) => fc.shuffledSubarray(all, { minLength: all.length }))
      .map((members) => `{${members.map(([k, v, s]) => `${s}"${k}"${s}:${s}${v}`).join(',')}}`);
  };
  const withKey = (value: Uint8Array, key: string | null) => ({
    offset: '7',
    key: key === null ? null : Buffer.from(key),
    value,
    ts: 0,
  });

  for (const [i, schema] of schemas.entries()) {
    it(`agrees with the JSON.parse path (schema ${i})`, () => {
      const fast = createDecoder(schema);
      const slow = createDecoder(schema, { fastPath: false });
      let accepted = 0;
      fc.assert(
        fc.property(recordOf(schema), fc.option(fc.constantFrom('k1', '')), (text, key) => {
          const r = withKey(Buffer.from(text), key);
          const a = fast(r);
          const b = slow(r);
          expect(a).toEqual(b);
          if (a.ok && b.ok) {
            accepted++;
            expect(Object.keys(a.event)).toEqual(Object.keys(b.event));
            for (const k of Object.keys(a.event)) expect(Object.is(a.event[k], b.event[k])).toBe(true);
          }
        }),
        { numRuns: 4000 },
      );
      expect(accepted).toBeGreaterThan(1000);
    });

    it(`keeps only the fields asked for, and rejects exactly as without (schema ${i})`, () => {
      const names = Object.keys(schema.fields).filter((n) => n !== 'ts');
      const keep = new Set(names.filter((_, k) => k % 2 === 0));
      const full = createDecoder(schema);
      const decoders = [createDecoder(schema, { keep }), createDecoder(schema, { keep, fastPath: false })];
      fc.assert(
        fc.property(recordOf(schema), fc.option(fc.constantFrom('k1', '')), (text, key) => {
          const r = withKey(Buffer.from(text), key);
          const all = full(r);
          for (const decode of decoders) {
            const kept = decode(r);
            if (!all.ok) {
              expect(kept).toEqual(all); // the same reason and detail
              continue;
            }
            const expected = Object.fromEntries(
              Object.entries(all.event).filter(([k]) => k === 'ts' || k === 'key' || keep.has(k)),
            );
            expect(kept.ok && Object.keys(kept.event)).toEqual(Object.keys(expected));
            expect(kept.ok && kept.event).toEqual(expected);
          }
        }),
        { numRuns: 2000 },
      );
    });
  }
});
