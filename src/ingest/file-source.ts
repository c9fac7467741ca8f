import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FileSourceConfig } from '../core/config/index.js';
import type { Positions, RawRecord, RecordBatch } from '../core/event.js';
import { positionKey } from '../core/event.js';
import { StreamlearnError } from '../core/errors.js';
import { byteOrderMarkLength } from './byte-order-mark.js';
import type { Source } from './source.js';

/**
 * Replays a JSONL file; a record's offset is its line number (0-based), so a checkpoint can resume
 * mid-file. Lines are sliced from the read buffers without copying. With `partitionField` each
 * line goes to the partition that field names (a recorded multi-partition topic); otherwise all
 * lines are partition 0. A UTF-8 byte-order mark at the start of the file is not part of line 0.
 */
export class FileSource implements Source {
  readonly kind = 'file';
  readonly topic: string;
  private iterator: AsyncIterator<Buffer> | null = null;
  private carry: Buffer | null = null;
  private line = 0;
  private positions: Positions = {};
  private ended = false;
  /** No chunk read yet: the next one starts the file (and may start with a BOM). */
  private atFileStart = true;
  private readonly ready: RecordBatch[] = [];
  /** Lines read but not yet handed out. */
  private lines: RawRecord[] = [];

  constructor(private readonly cfg: FileSourceConfig) {
    this.topic = basename(cfg.path);
  }

  async start(positions?: Positions): Promise<void> {
    this.positions = positions ?? {};
    // 64 KiB reads: records are views into the chunk, so a chunk lives as long as its batch
    const stream = createReadStream(this.cfg.path, { highWaterMark: 1 << 16 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) =>
        reject(
          new StreamlearnError('SL_ERR_SOURCE', `cannot read ${this.cfg.path}: ${err.message}`, {
            cause: err,
            retriable: false,
          }),
        ),
      );
    });
    this.iterator = stream[Symbol.asyncIterator]();
  }

  async next(): Promise<RecordBatch | null> {
    for (;;) {
      const batch = this.ready.shift();
      if (batch) return batch;
      const records = await this.readLines();
      if (records === null) return null;
      this.split(records);
    }
  }

  /** Groups lines by partition, keeping line order inside each and skipping restored positions. */
  private split(records: RawRecord[]): void {
    const field = this.cfg.partitionField;
    if (field === undefined) {
      // one partition: the batch is the lines, less those the restored position has passed
      const from = this.resumeAt(0);
      const kept = from > 0 ? records.filter((r) => Number(r.offset) >= from) : records;
      if (kept.length > 0) this.ready.push({ topic: this.topic, partition: 0, records: kept });
      return;
    }
    const byPartition = new Map<number, RawRecord[]>();
    for (const r of records) {
      const partition = partitionOf(r.value, field);
      if (Number(r.offset) < this.resumeAt(partition)) continue;
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, (list = []));
      list.push(r);
    }
    for (const partition of [...byPartition.keys()].sort((a, b) => a - b)) {
      this.ready.push({ topic: this.topic, partition, records: byPartition.get(partition)! });
    }
  }

  /** The first line to hand out for `partition` (0 unless restored). */
  private resumeAt(partition: number): number {
    return Number(this.positions[positionKey(this.topic, partition)] ?? 0);
  }

  /** The next `batchSize` lines (fewer at the end of the file), or null when none are left. */
  private async readLines(): Promise<RawRecord[] | null> {
    if (!this.iterator) throw new StreamlearnError('SL_ERR_INTERNAL', 'FileSource.next() before start()');
    while (this.lines.length < this.cfg.batchSize && !this.ended) {
      const { value, done } = await this.iterator.next();
      if (done) {
        this.ended = true;
        if (this.carry && this.carry.length > 0) this.pushLine(this.carry);
        this.carry = null;
        break;
      }
      this.splitLines(value);
    }
    const available = this.lines.length;
    if (available === 0) return null;
    // what is handed out leaves `lines` (the rest is under a chunk's lines): an array that only
    // moved a head along kept every record of the file, and every chunk they view, alive
    if (available <= this.cfg.batchSize) {
      const records = this.lines;
      this.lines = [];
      return records;
    }
    const records = this.lines.slice(0, this.cfg.batchSize);
    this.lines = this.lines.slice(this.cfg.batchSize);
    return records;
  }

  /** Lines read ahead and not yet handed out (bounded by a batch and a read chunk). */
  get bufferedLines(): number {
    return this.lines.length;
  }

  async commit(): Promise<void> {}
  pause(): void {}
  resume(): void {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    await this.iterator?.return?.();
    this.ended = true;
  }

  /**
   * Cuts a chunk into lines. The line a previous chunk left unfinished (`carry`) is completed with
   * this chunk's first line in a small buffer of its own; the rest are views into the chunk (a
   * concat of carry and chunk would copy the whole chunk once per read).
   */
  private splitLines(chunk: Buffer): void {
    // a file's first read is a full chunk (or the whole file), so a BOM is never split
    let start = this.atFileStart ? byteOrderMarkLength(chunk) : 0;
    this.atFileStart = false;
    if (this.carry !== null) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      this.pushLine(Buffer.concat([this.carry, chunk.subarray(0, nl)]));
      this.carry = null;
      start = nl + 1;
    }
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.pushLine(chunk.subarray(start, nl));
      start = nl + 1;
    }
    this.carry = start < chunk.length ? chunk.subarray(start) : null;
  }

  private pushLine(bytes: Buffer): void {
    const offset = this.line++;
    // a trailing \r (Windows line ends) is not part of the record
    const value =
      bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, bytes.length - 1) : bytes;
    this.lines.push({ offset: String(offset), key: null, value, ts: 0 });
  }
}

/** The partition a line names in `field` (a bad or missing value: partition 0, where the decoder rejects it). */
function partitionOf(value: Uint8Array | null, field: string): number {
  if (value === null) return 0;
  try {
    const p = (JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown>)[field];
    return typeof p === 'number' && Number.isInteger(p) && p >= 0 ? p : 0;
  } catch {
    return 0;
  }
}
