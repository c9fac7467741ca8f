import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { FileSourceConfig } from '../core/config/index.js';
import type { Positions, RawRecord, RecordBatch } from '../core/event.js';
import { positionKey } from '../core/event.js';
import { StreamlearnError } from '../core/errors.js';
import type { Source } from './source.js';

/**
 * Replays a JSONL file as one partition; a record's offset is its line number (0-based), so a
 * checkpoint can resume mid-file. Lines are sliced from the read buffers without copying.
 */
export class FileSource implements Source {
  readonly kind = 'file';
  readonly topic: string;
  private iterator: AsyncIterator<Buffer> | null = null;
  private carry: Buffer | null = null;
  private line = 0;
  private skipBelow = 0;
  private ended = false;

  constructor(private readonly cfg: FileSourceConfig) {
    this.topic = basename(cfg.path);
  }

  async start(positions?: Positions): Promise<void> {
    this.skipBelow = Number(positions?.[positionKey(this.topic, 0)] ?? 0);
    const stream = createReadStream(this.cfg.path, { highWaterMark: 1 << 20 });
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
    if (!this.iterator) throw new StreamlearnError('SL_ERR_INTERNAL', 'FileSource.next() before start()');
    const records: RawRecord[] = [];
    while (records.length < this.cfg.batchSize && !this.ended) {
      const { value, done } = await this.iterator.next();
      if (done) {
        this.ended = true;
        if (this.carry && this.carry.length > 0) this.pushLine(records, this.carry);
        this.carry = null;
        break;
      }
      this.splitLines(records, this.carry ? Buffer.concat([this.carry, value]) : value);
    }
    if (records.length === 0) return this.ended ? null : this.next();
    return { topic: this.topic, partition: 0, records };
  }

  async commit(): Promise<void> {}
  pause(): void {}
  resume(): void {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    await this.iterator?.return?.();
    this.ended = true;
  }

  private splitLines(records: RawRecord[], chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.pushLine(records, chunk.subarray(start, nl));
      start = nl + 1;
    }
    this.carry = start < chunk.length ? chunk.subarray(start) : null;
  }

  private pushLine(records: RawRecord[], bytes: Buffer): void {
    const offset = this.line++;
    if (offset < this.skipBelow) return;
    // a trailing \r (Windows line ends) is not part of the record
    const value =
      bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.subarray(0, bytes.length - 1) : bytes;
    records.push({ offset: String(offset), key: null, value, ts: 0 });
  }
}
