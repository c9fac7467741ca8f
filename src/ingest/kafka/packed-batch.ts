import type { RawRecord, RecordBatch } from '../../core/event.js';

/**
 * A record batch as one thread hands it to another: every key and value copied into one buffer,
 * lengths and times in typed arrays, offsets as one string. Posting it clones a handful of objects
 * and transfers the buffers, where a batch of record objects would be cloned record by record
 * (tens of thousands of small objects and buffers per Kafka fetch).
 */
export interface PackedBatch {
  topic: string;
  partition: number;
  highWatermark?: string;
  /** The records' offsets joined with `,` (offsets are decimal integers). */
  offsets: string;
  /** Keys then values, back to back, record by record. */
  bytes: ArrayBuffer;
  /** Per record: key length, then value length; −1 for null. */
  lengths: Int32Array;
  ts: Float64Array;
}

/** Packs `batch`; its records' buffers are copied, so the batch may be reused or dropped after. */
export function packBatch(batch: RecordBatch): PackedBatch {
  const records = batch.records;
  const n = records.length;
  const lengths = new Int32Array(2 * n);
  const ts = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const k = r.key === null ? -1 : r.key.length;
    const v = r.value === null ? -1 : r.value.length;
    lengths[2 * i] = k;
    lengths[2 * i + 1] = v;
    total += Math.max(0, k) + Math.max(0, v);
    ts[i] = r.ts;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  const offsets = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (r.key !== null) {
      bytes.set(r.key, at);
      at += r.key.length;
    }
    if (r.value !== null) {
      bytes.set(r.value, at);
      at += r.value.length;
    }
    offsets[i] = r.offset;
  }
  const packed: PackedBatch = {
    topic: batch.topic,
    partition: batch.partition,
    offsets: offsets.join(','),
    bytes: bytes.buffer,
    lengths,
    ts,
  };
  if (batch.highWatermark !== undefined) packed.highWatermark = batch.highWatermark;
  return packed;
}

/** The buffers of `packed` that a post may transfer instead of copying. */
export function transferablesOf(packed: PackedBatch): ArrayBuffer[] {
  return [packed.bytes, packed.lengths.buffer as ArrayBuffer, packed.ts.buffer as ArrayBuffer];
}

/** The batch `packed` holds; keys and values are views into its one buffer. */
export function unpackBatch(packed: PackedBatch): RecordBatch {
  const { lengths, ts, bytes } = packed;
  const n = ts.length;
  const offsets = n === 0 ? [] : packed.offsets.split(',');
  if (offsets.length !== n || lengths.length !== 2 * n)
    throw new Error(
      `packed batch of ${n} records has ${offsets.length} offsets and ${lengths.length} lengths`,
    );
  const records = new Array<RawRecord>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const k = lengths[2 * i]!;
    const v = lengths[2 * i + 1]!;
    const key = k < 0 ? null : new Uint8Array(bytes, at, k);
    at += Math.max(0, k);
    const value = v < 0 ? null : new Uint8Array(bytes, at, v);
    at += Math.max(0, v);
    records[i] = { offset: offsets[i]!, key, value, ts: ts[i]! };
  }
  const batch: RecordBatch = { topic: packed.topic, partition: packed.partition, records };
  if (packed.highWatermark !== undefined) batch.highWatermark = packed.highWatermark;
  return batch;
}
