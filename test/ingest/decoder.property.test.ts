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
