import { describe, expect, it } from 'vitest';
import { eventSchemaSchema } from '../../src/core/config/index.js';
import type { RawRecord } from '../../src/core/event.js';
import { createDecoder } from '../../src/ingest/decoder.js';

const schema = eventSchemaSchema.parse({
  timeField: 'ts',
  fields: { user: 'string', amount: 'number', n: 'integer', ok: 'boolean', note: 'string' },
  optional: ['note'],
  maxRecordBytes: 200,
});
const decode = createDecoder(schema);
const record = (value: string | Uint8Array | null, key: string | null = null): RawRecord => ({
  offset: '0',
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : typeof value === 'string' ? Buffer.from(value) : value,
  ts: 0,
});
const good = { ts: 1000, user: 'u1', amount: 1.5, n: 3, ok: true };

describe('decoder', () => {
  it('turns a valid record into a typed event with its key', () => {
    expect(decode(record(JSON.stringify(good), 'k1'))).toEqual({
      ok: true,
      event: { ...good, note: null, key: 'k1' },
    });
  });

  it('ignores unknown fields and accepts a missing optional field', () => {
    const r = decode(record(JSON.stringify({ ...good, extra: { deep: [1] } })));
    expect(r.ok && r.event).toEqual({ ...good, note: null });
  });

  it.each([
    ['empty', '', 'empty'],
    ['null value', null, 'empty'],
    ['not JSON', '{"ts": 1', 'not_json'],
    ['a BOM', '\uFEFF' + JSON.stringify(good), 'not_json'],
    ['NaN literal', '{"ts":1000,"user":"u","amount":NaN,"n":1,"ok":true}', 'not_json'],
    ['1e999', '{"ts":1000,"user":"u","amount":1e999,"n":1,"ok":true}', 'not_finite'],
    ['an array', '[1,2]', 'not_object'],
    ['a string', '"hello"', 'not_object'],
    ['missing time', JSON.stringify({ ...good, ts: undefined }), 'missing_time'],
    ['time as text', JSON.stringify({ ...good, ts: 'yesterday' }), 'bad_time'],
    ['negative time', JSON.stringify({ ...good, ts: -5 }), 'time_out_of_range'],
    ['far-future time', JSON.stringify({ ...good, ts: 9e15 }), 'time_out_of_range'],
    ['missing field', JSON.stringify({ ...good, user: undefined }), 'missing_field'],
    ['null required field', JSON.stringify({ ...good, user: null }), 'missing_field'],
    ['wrong type', JSON.stringify({ ...good, amount: '1.5' }), 'wrong_type'],
    ['non-integer integer', JSON.stringify({ ...good, n: 1.5 }), 'wrong_type'],
    ['boolean as number', JSON.stringify({ ...good, ok: 1 }), 'wrong_type'],
    ['oversized', JSON.stringify({ ...good, note: 'x'.repeat(300) }), 'oversized'],
    // valid UTF-8 JSON whose escape decodes to a lone surrogate: no UTF-8 sink could store it
    ['a lone surrogate escape', '{"ts":1000,"user":"\\ud800","amount":1,"n":1,"ok":true}', 'not_utf8'],
  ])('rejects %s with a reason', (_name, value, reason) => {
    const r = decode(record(value));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.rejection.reason).toBe(reason);
      expect(r.rejection.detail.length).toBeGreaterThan(0);
    }
  });

  it('rejects bytes that are not UTF-8', () => {
    const r = decode(record(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    expect(!r.ok && r.rejection.reason).toBe('not_utf8');
  });

  it('reads epoch seconds and ISO times', () => {
    const s = createDecoder(eventSchemaSchema.parse({ timeFormat: 'epoch_s' }));
    expect(s(record('{"ts": 1.5}'))).toEqual({ ok: true, event: { ts: 1500 } });
    const iso = createDecoder(eventSchemaSchema.parse({ timeFormat: 'iso', timeField: 'at' }));
    expect(iso(record('{"at": "2026-01-01T00:00:01Z"}'))).toEqual({
      ok: true,
      event: { ts: Date.UTC(2026, 0, 1, 0, 0, 1) },
    });
  });

  it('reads ISO times strictly and the same in every machine zone, on both paths', () => {
    const tz = process.env.TZ;
    try {
      for (const fastPath of [true, false]) {
        const iso = createDecoder(eventSchemaSchema.parse({ timeFormat: 'iso', fields: { n: 'integer' } }), {
          fastPath,
        });
        for (const zone of ['UTC', 'America/New_York']) {
          process.env.TZ = zone;
          // no zone: UTC, not the machine's zone (a replay must not depend on TZ)
          expect(iso(record('{"ts": "2026-01-01T00:00:01", "n": 1}'))).toEqual({
            ok: true,
            event: { ts: Date.UTC(2026, 0, 1, 0, 0, 1), n: 1 },
          });
        }
        // text Date.parse takes: an impossible date it rolls over, a bare number, RFC 2822
        for (const bad of ['2026-02-30T00:00:00Z', '1', 'Thu, 01 Jan 2026 00:00:00 GMT']) {
          const r = iso(record(`{"ts": ${JSON.stringify(bad)}, "n": 1}`));
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expect(r.rejection.reason).toBe('bad_time');
            expect(r.rejection.detail).toContain('expected ISO-8601 text');
          }
        }
      }
    } finally {
      process.env.TZ = tz;
    }
  });

  it('keeps ts in epoch ms when the time field is declared among the fields', () => {
    for (const fastPath of [true, false]) {
      const s = createDecoder(
        eventSchemaSchema.parse({ timeFormat: 'epoch_s', fields: { ts: 'number', n: 'integer' } }),
        { fastPath },
      );
      expect(s(record('{"ts": 1.5, "n": 2}'))).toEqual({ ok: true, event: { ts: 1500, n: 2 } });
      const iso = createDecoder(eventSchemaSchema.parse({ timeFormat: 'iso', fields: { ts: 'string' } }), {
        fastPath,
      });
      expect(iso(record('{"ts": "2026-01-01T00:00:01Z"}'))).toEqual({
        ok: true,
        event: { ts: Date.UTC(2026, 0, 1, 0, 0, 1) },
      });
    }
  });

  it('rejects an event further ahead of its record timestamp than schema.maxTimeAhead, on both paths', () => {
    const hour = 3_600_000;
    const ahead = eventSchemaSchema.parse({ fields: { user: 'string' }, maxTimeAhead: '1h' });
    const at = (ts: number, recordTs: number): RawRecord => ({
      offset: '7',
      key: null,
      value: Buffer.from(JSON.stringify({ ts, user: 'u' })),
      ts: recordTs,
    });
    const produced = Date.UTC(2026, 0, 1);
    for (const fastPath of [true, false]) {
      const d = createDecoder(ahead, { fastPath });
      const far = d(at(produced + hour + 1, produced));
      expect(far.ok).toBe(false);
      if (!far.ok) {
        expect(far.rejection.reason).toBe('time_ahead');
        expect(far.rejection.detail).toContain(`${hour + 1} ms ahead of the record's timestamp ${produced}`);
      }
      expect(d(at(produced + hour, produced)).ok).toBe(true); // at the limit
      expect(d(at(produced - 365 * 24 * hour, produced)).ok).toBe(true); // behind: history replayed
      // no record timestamp (a file line: 0; an old Kafka message format: -1): not judged
      expect(d(at(produced + 1000 * hour, 0)).ok).toBe(true);
      expect(d(at(produced + 1000 * hour, -1)).ok).toBe(true);
    }
    // unset: nothing is judged by the record timestamp
    expect(decode({ ...record(JSON.stringify(good)), ts: 1 }).ok).toBe(true);
  });
});
