import type { FieldValue } from '../core/event.js';
import type { ColumnType } from '../windows/aggregator.js';

/** What {@link RowBinaryEncoder} needs of a column. */
export interface RowBinaryColumn {
  type: ColumnType;
  nullable: boolean;
}

const TWO_POW_32 = 4294967296;
/** Strings up to this length are tried as ASCII, byte per char, before a UTF-8 encode. */
const ASCII_TRY = 64;

/**
 * Rows in ClickHouse's RowBinary format, for the column types our tables use (ClickHouse 18.16
 * and newer read it): Float64 as 8 bytes little-endian, Int64 as two 32-bit halves, String as a
 * LEB128 length and its UTF-8 bytes, UInt8 for booleans; a Nullable column's value is preceded by
 * one byte, 1 for null (then nothing follows) and 0 otherwise.
 *
 * Text formats spend most of their time printing doubles (shortest round-trip digits) and
 * joining lines, and the server parses them back; here a double is its own 8 bytes and the
 * server copies them. Values must be what `rowValues` returns for the same columns: checked,
 * integers safe, floats finite or null, JSON already a string.
 */
export class RowBinaryEncoder {
  private buf: Buffer;
  private at = 0;

  constructor(
    private readonly columns: readonly RowBinaryColumn[],
    initialBytes = 1 << 16,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes encoded since the last {@link take}. */
  get length(): number {
    return this.at;
  }

  /** Appends one row: `values[i]` is column i's. */
  add(values: readonly FieldValue[]): void {
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      const v = values[i];
      if (c.nullable) {
        this.room(1);
        if (v === null || v === undefined) {
          this.buf[this.at++] = 1;
          continue;
        }
        this.buf[this.at++] = 0;
      } else if (v === null || v === undefined) {
        throw new TypeError(`column ${i} is not nullable`);
      }
      switch (c.type) {
        case 'float64':
          this.room(8);
          this.buf.writeDoubleLE(v as number, this.at);
          this.at += 8;
          break;
        case 'int64':
          this.int64(v as number);
          break;
        case 'bool':
          this.room(1);
          this.buf[this.at++] = v ? 1 : 0;
          break;
        case 'string':
        case 'json':
          this.string(v as string);
          break;
      }
    }
  }

  /** The bytes encoded so far (a copy), and a fresh start. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  /** A safe integer as Int64: high half floored, so negatives come out in two's complement. */
  private int64(v: number): void {
    this.room(8);
    const high = Math.floor(v / TWO_POW_32);
    this.buf.writeUInt32LE(v - high * TWO_POW_32, this.at);
    this.buf.writeInt32LE(high, this.at + 4);
    this.at += 8;
  }

  private string(s: string): void {
    const n = s.length;
    if (n <= ASCII_TRY) {
      // the common case, short ASCII (keys, names): length byte and chars, no encoder call
      this.room(1 + n);
      const buf = this.buf;
      let at = this.at + 1;
      let k = 0;
      for (; k < n; k++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (k === n) {
        buf[this.at] = n; // n < 128: a one-byte LEB128
        this.at = at;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.room(10 + bytes);
    let len = bytes;
    while (len >= 0x80) {
      this.buf[this.at++] = (len & 0x7f) | 0x80;
      len = Math.floor(len / 128);
    }
    this.buf[this.at++] = len;
    this.at += this.buf.write(s, this.at, bytes, 'utf8');
  }

  /** Makes room for `bytes` more, doubling the buffer as needed. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + bytes) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}
