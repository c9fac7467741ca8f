/** A field value after decoding: the schema decides which of these a field may hold. */
export type FieldValue = number | string | boolean | null;

/**
 * A decoded event. `ts` is event time in epoch milliseconds; every other field comes from the
 * configured schema. `key` is the Kafka message key (or the configured key field) when present.
 */
export interface Event {
  ts: number;
  key?: string;
  [field: string]: FieldValue | undefined;
}

/** Where a record came from: a partition and an offset inside it (offsets are strings, as in Kafka). */
export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** One raw record as a source yields it, before decoding. */
export interface RawRecord {
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Broker/append time in epoch ms when the source knows it; event time comes from the payload. */
  ts: number;
  /**
   * The record's length in bytes when `value` holds only its first bytes: a source keeps no more
   * of a record than the largest one the schema accepts (plus one byte, so it is still too large).
   */
  size?: number;
}

/** Records of one partition, in offset order. */
export interface RecordBatch {
  topic: string;
  partition: number;
  records: RawRecord[];
  /** The partition's newest offset + 1 when the source knows it (Kafka), for consumer lag. */
  highWatermark?: string;
}

/** Offsets to resume from per partition: the *next* offset to read (Kafka's commit convention). */
export type Positions = Record<string, string>;

/** The key of `positions` for a topic partition. */
export function positionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
