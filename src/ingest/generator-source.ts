import type { GeneratorSourceConfig } from '../core/config/index.js';
import type { Positions, RawRecord, RecordBatch } from '../core/event.js';
import { positionKey } from '../core/event.js';
import { sleep } from '../core/retry.js';
import { EventGenerator, partitionOf } from './generator.js';
import type { Source } from './source.js';

const CHUNK = 1_000;
const encoder = new TextEncoder();

/**
 * The generator as a source: events are JSON-encoded, so they take the same decode path as
 * Kafka and file records. Offsets are per partition; restoring positions regenerates and skips
 * the events before them, so a restarted demo continues the same deterministic stream.
 */
export class GeneratorSource implements Source {
  readonly kind = 'generator';
  readonly topic = 'generator';
  private readonly gen: EventGenerator;
  private readonly nextOffset: number[];
  private skipBelow: number[] = [];
  private queue: RecordBatch[] = [];
  private closed = false;
  private paused = false;
  private readonly startedAt = Date.now();
  private emitted = 0;

  constructor(private readonly cfg: GeneratorSourceConfig) {
    this.gen = new EventGenerator(cfg);
    this.nextOffset = new Array<number>(cfg.partitions).fill(0);
  }

  async start(positions?: Positions): Promise<void> {
    this.skipBelow = this.nextOffset.map((_, p) => Number(positions?.[positionKey(this.topic, p)] ?? 0));
  }

  async next(): Promise<RecordBatch | null> {
    while (this.queue.length === 0) {
      if (this.closed || this.gen.done) return null;
      await this.throttle();
      this.fill();
    }
    return this.queue.shift() ?? null;
  }

  async commit(): Promise<void> {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    this.closed = true;
  }

  private fill(): void {
    const byPartition: RawRecord[][] = this.nextOffset.map(() => []);
    for (let i = 0; i < CHUNK && !this.gen.done; i++) {
      const event = this.gen.next();
      const p = partitionOf(event.user as string, this.cfg.partitions);
      const offset = this.nextOffset[p]!++;
      if (offset < this.skipBelow[p]!) continue;
      byPartition[p]!.push({
        offset: String(offset),
        key: encoder.encode(event.user as string),
        value: encoder.encode(JSON.stringify(event)),
        ts: event.ts,
      });
    }
    this.emitted += CHUNK;
    byPartition.forEach((records, partition) => {
      if (records.length > 0) this.queue.push({ topic: this.topic, partition, records });
    });
  }

  /** Holds the configured rate (events per wall-clock second), and waits while paused. */
  private async throttle(): Promise<void> {
    while (this.paused && !this.closed) await sleep(20);
    if (this.cfg.rate <= 0) return;
    const due = this.startedAt + (this.emitted / this.cfg.rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}
