import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FileSourceConfig } from '../core/config/index.js';
import type { Positions, RawRecord, RecordBatch } from '../core/event.js';
import { positionKey } from '../core/event.js';
import { StreamlearnError } from '../core/errors.js';
import { byteOrderMarkLength } from './byte-order-mark.js';
import type { Source } from './source.js';

/** What a file source keeps of a line longer than any record the schema accepts. */
export interface FileSourceOptions {
  /**
   * A line longer than this is kept as its first `maxLineBytes + 1` bytes and its length (the
   * decoder rejects it as oversized), so a file without line breaks cannot fill the memory.
   * Unbounded when not given.
   */
  maxLineBytes?: number;
}

/**
 * Replays a JSONL file (gzip-compressed when its name ends in `.gz`); a record's offset is its
 * line number (0-based), so a checkpoint can resume mid-file. Lines are sliced from the read
 * buffers without copying. With `partitionField` each line goes to the partition that field names
 * (a recorded multi-partition topic); otherwise all lines are partition 0. A UTF-8 byte-order mark
 * at the start of the file is not part of line 0.
 */
export class FileSource implements Source {
  readonly kind = 'file';
  readonly topic: string;
  private iterator: AsyncIterator<Buffer> | null = null;
  /** The start of a line an earlier chunk left unfinished (at most `keepBytes` of it). */
  private carry: Buffer | null = null;
  /** Length of that unfinished line so far, bytes beyond `keepBytes` included. */
  private carryLength = 0;
  private readonly keepBytes: number;
  private line = 0;
  private positions: Positions = {};
  private ended = false;
  /** No chunk read yet: the next one starts the file (and may start with a BOM). */
  private atFileStart = true;
  private readonly ready: RecordBatch[] = [];
  /** Lines read but not yet handed out. */
  private lines: RawRecord[] = [];

  constructor(
    private readonly cfg: FileSourceConfig,
    options: FileSourceOptions = {},
  ) {
    this.topic = basename(cfg.path);
    this.keepBytes = options.maxLineBytes === undefined ? Number.POSITIVE_INFINITY : options.maxLineBytes + 1;
  }

  async start(positions?: Positions): Promise<void> {
    this.positions = positions ?? {};
    // 64 KiB reads: records are views into the chunk, so a chunk lives as long as its batch
    const file = createReadStream(this.cfg.path, { highWaterMark: 1 << 16 });
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => resolve());
      file.once('error', (err) => reject(this.readError(err)));
    });
    let stream: Readable = file;
    if (this.cfg.path.endsWith('.gz')) {
      const gunzip = createGunzip({ chunkSize: 1 << 16 });
      // pipeline, not pipe: a read error reaches the reader through gunzip, and closing gunzip
      // (close() mid-file) closes the file too
      pipeline(file, gunzip, () => {});
      stream = gunzip;
    }
    this.iterator = stream[Symbol.asyncIterator]();
  }

  private readError(err: Error): StreamlearnError {
    return new StreamlearnError('SL_ERR_SOURCE', `cannot read ${this.cfg.path}: ${err.message}`, {
      cause: err,
      retriable: false,
    });
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
      let read: IteratorResult<Buffer>;
      try {
        read = await this.iterator.next();
      } catch (err) {
        // a corrupt gzip stream, or the file failing mid-read
        throw this.readError(err as Error);
      }
      const { value, done } = read;
      if (done) {
        this.ended = true;
        if (this.carry && this.carry.length > 0) this.pushLine(this.carry, this.carryLength);
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
      this.extendCarry(nl === -1 ? chunk : chunk.subarray(0, nl));
      if (nl === -1) return;
      this.pushLine(this.carry, this.carryLength);
      this.carry = null;
      start = nl + 1;
    }
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.pushLine(chunk.subarray(start, nl), nl - start);
      start = nl + 1;
    }
    this.carry = null;
    this.carryLength = 0;
    if (start < chunk.length) this.extendCarry(chunk.subarray(start));
  }

  /** Adds `part` to the unfinished line, keeping at most `keepBytes` of it. */
  private extendCarry(part: Buffer): void {
    const kept = this.carry?.length ?? 0;
    this.carryLength += part.length;
    const room = this.keepBytes - kept;
    if (room <= 0) return;
    const add = part.length <= room ? part : part.subarray(0, room);
    this.carry = this.carry === null ? add : Buffer.concat([this.carry, add]);
  }

  /** `length`: the line's length in bytes, more than `bytes` holds when only its start was kept. */
  private pushLine(bytes: Buffer, length: number): void {
    const offset = this.line++;
    // a trailing \r (Windows line ends) is not part of the record
    const cr = length === bytes.length && bytes.length > 0 && bytes[bytes.length - 1] === 13;
    const value = cr ? bytes.subarray(0, bytes.length - 1) : bytes;
    const record: RawRecord = { offset: String(offset), key: null, value, ts: 0 };
    if (length > bytes.length) record.size = length;
    this.lines.push(record);
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
