import { describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../src/core/event.js';
import { packBatch, transferablesOf, unpackBatch } from '../../src/ingest/kafka/packed-batch.js';
import { deserializeError, serializeError } from '../../src/ingest/kafka/worker-protocol.js';
import { StreamlearnError } from '../../src/core/errors.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Posts `packed` through a real MessageChannel with its buffers transferred, as the worker does. */
async function throughChannel<T>(value: T, transfer: ArrayBuffer[]): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<T>((resolve) => port2.once('message', resolve));
  port1.postMessage(value, transfer);
  const out = await received;
  port1.close();
  port2.close();
  return out;
}

describe('packed record batches (Kafka worker → main thread)', () => {
  const batch: RecordBatch = {
    topic: 'events',
    partition: 3,
    highWatermark: '9007199254740993', // beyond 2^53: offsets stay exact strings
    records: [
      {
        offset: '9007199254740990',
        key: bytes('k1'),
        value: bytes('{"ts":1,"v":"é"}'),
        ts: 1_700_000_000_000,
      },
      { offset: '9007199254740991', key: null, value: bytes('{"ts":2}'), ts: 0 },
      { offset: '9007199254740992', key: new Uint8Array(0), value: new Uint8Array(0), ts: 5 },
      { offset: '9007199254740999', key: bytes('tombstone'), value: null, ts: 6 }, // a gap, a null value
    ],
  };

  it('round-trips offsets, keys and values (null, empty, multi-byte), times and the high watermark', async () => {
    const packed = packBatch(batch);
    const back = unpackBatch(await throughChannel(packed, transferablesOf(packed)));
    expect(back.topic).toBe('events');
    expect(back.partition).toBe(3);
    expect(back.highWatermark).toBe(batch.highWatermark);
    expect(back.records).toHaveLength(4);
    back.records.forEach((r, i) => {
      const want = batch.records[i]!;
      expect(r.offset).toBe(want.offset);
      expect(r.ts).toBe(want.ts);
      expect(r.key === null ? null : [...r.key]).toEqual(want.key === null ? null : [...want.key]);
      expect(r.value === null ? null : [...r.value]).toEqual(want.value === null ? null : [...want.value]);
    });
  });

  it('copies the records: the source may reuse its buffers once packed', () => {
    const value = bytes('{"ts":1}');
    const packed = packBatch({
      topic: 't',
      partition: 0,
      records: [{ offset: '0', key: null, value, ts: 0 }],
    });
    value.fill(0);
    expect(new TextDecoder().decode(unpackBatch(packed).records[0]!.value!)).toBe('{"ts":1}');
  });

  it('packs an empty batch (the idle heartbeat) without records or offsets', () => {
    const back = unpackBatch(packBatch({ topic: 't', partition: -1, records: [] }));
    expect(back).toEqual({ topic: 't', partition: -1, records: [] });
  });

  it('refuses a packed batch whose parts disagree', () => {
    const packed = packBatch(batch);
    expect(() => unpackBatch({ ...packed, offsets: '1,2' })).toThrow(/4 records has 2 offsets/);
  });

  it('errors cross threads with their code and retriable flag', async () => {
    const sent = new StreamlearnError('SL_ERR_SOURCE', 'broker gone', { retriable: true });
    const back = deserializeError(await throughChannel(serializeError(sent), []));
    expect(back).toBeInstanceOf(StreamlearnError);
    expect(back).toMatchObject({ code: 'SL_ERR_SOURCE', retriable: true, message: 'broker gone' });
    const plain = deserializeError(
      serializeError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
    );
    expect(plain).not.toBeInstanceOf(StreamlearnError);
    expect(plain).toMatchObject({ message: 'refused', code: 'ECONNREFUSED' });
    expect(deserializeError(serializeError('not an error')).message).toBe('not an error');
  });
});
