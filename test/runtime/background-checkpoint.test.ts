import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/core/config/index.js';
import type { Positions, RecordBatch } from '../../src/core/event.js';
import { createLogger } from '../../src/core/logger.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import { GENERATOR_SCHEMA } from '../../src/ingest/generator.js';
import { GeneratorSource } from '../../src/ingest/generator-source.js';
import { decodeCheckpoint } from '../../src/runtime/checkpoint.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import type { QueryOptions, Row, Sink, TableSpec } from '../../src/sinks/sink.js';
import type { Lease } from '../../src/state/checkpoint-store.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

const EVENTS = 40_000; // 40 generator batches of 1 000
const BATCHES_DURING_SAVE = 3;

function windowsConfig(): PipelineConfig {
  return parseConfig(
    {
      pipeline: 'bg',
      source: { type: 'generator', events: EVENTS, intervalMs: 20, seed: 11, keys: 50 },
      schema: GENERATOR_SCHEMA,
      windows: [
        {
          name: 'by_user',
          type: 'tumbling',
          size: '1m',
          groupBy: ['user'],
          aggregates: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
        },
      ],
      checkpoint: { store: 'memory', interval: '10s' },
    },
    {},
  );
}

/** Keeps the newest version of every keyed row, as ReplacingMergeTree(version) FINAL does. */
class FinalTableSink implements Sink {
  readonly kind = 'final-table';
  readonly table = new Map<string, Row>();
  async ensureTables(_tables: TableSpec[]): Promise<void> {}
  async write(table: string, rows: Row[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 1));
    for (const row of rows) {
      const key = `${table}|${String(row.user)}|${String(row.start)}`;
      const seen = this.table.get(key);
      if (!seen || Number(seen.version) <= Number(row.version)) this.table.set(key, row);
    }
  }
  async query(_table: string, _options?: QueryOptions): Promise<Row[]> {
    return [];
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A store whose first save waits until the test opens its gate; logs what happens in order. */
class GatedStore extends MemoryCheckpointStore {
  readonly log: string[] = [];
  readonly saved: Positions[] = [];
  private gate: (() => void) | null = null;
  acceptedAtFirstSave = -1;
  accepted = 0;

  constructor(private gated: boolean) {
    super();
  }

  get waiting(): boolean {
    return this.gate !== null;
  }

  open(): void {
    this.gate?.();
    this.gate = null;
  }

  override async save(name: string, lease: Lease, data: Uint8Array, keep?: number): Promise<number> {
    this.log.push('save');
    if (this.gated) {
      this.gated = false;
      this.acceptedAtFirstSave = this.accepted;
      await new Promise<void>((resolve) => (this.gate = resolve));
    }
    const version = await super.save(name, lease, data, keep);
    this.saved.push(decodeCheckpoint(data).positions);
    this.log.push('saved');
    return version;
  }
}

/** The generator as a broker would hand it out (each batch after I/O), logging each commit. */
class LoggingSource extends GeneratorSource {
  readonly commits: Positions[] = [];
  constructor(
    config: PipelineConfig,
    private readonly store: GatedStore,
  ) {
    super(config.source as never);
  }
  override async next(): Promise<RecordBatch | null> {
    await new Promise((r) => setImmediate(r));
    return super.next();
  }
  override async commit(positions?: Positions): Promise<void> {
    this.commits.push({ ...positions! });
    this.store.log.push('commit');
  }
}

interface Run {
  sink: FinalTableSink;
  store: GatedStore;
  source: LoggingSource;
  /** Batches processed while the first save waited. */
  batchesWhileWaiting: number;
}

async function run(gated: boolean): Promise<Run> {
  const config = windowsConfig();
  const store = new GatedStore(gated);
  const source = new LoggingSource(config, store);
  const sink = new FinalTableSink();
  let clock = 0;
  let batchesWhileWaiting = 0;
  const pipeline = new Pipeline({
    config,
    source,
    sink,
    deadLetter: new MemoryDeadLetterOutput(),
    store,
    metrics: new Metrics(false),
    logger: createLogger('test'),
    now: () => clock,
    onBatch: (stats) => {
      clock += 1_000; // a checkpoint every 10 batches
      store.accepted = stats.accepted;
      if (!store.waiting) return;
      if (++batchesWhileWaiting >= BATCHES_DURING_SAVE) store.open();
    },
  });
  // if input stopped while the save waits, nothing would open the gate: fail instead of hanging
  const deadline = setTimeout(() => store.open(), 5_000);
  try {
    await pipeline.run();
  } finally {
    clearTimeout(deadline);
  }
  return { sink, store, source, batchesWhileWaiting };
}

describe('background checkpoint of a windows-only pipeline', () => {
  it('keeps reading input while its state is saved, and commits only after the save', async () => {
    const { store, source, batchesWhileWaiting } = await run(true);
    // input went on while the first save waited: the batches opened its gate, not the deadline
    expect(store.acceptedAtFirstSave).toBeGreaterThan(0);
    expect(batchesWhileWaiting).toBe(BATCHES_DURING_SAVE);
    expect(store.saved.length).toBeGreaterThan(1);
    expect(store.accepted).toBe(EVENTS);
    const log = store.log.join(' ');
    // every commit follows its own save, never a save still waiting
    expect(log.startsWith('save saved commit')).toBe(true);
    expect(log).not.toMatch(/save commit/);
    // the commit carries the barrier's positions, not where input had got to meanwhile
    expect(source.commits[0]).toEqual(store.saved[0]);
    const barrierOffset = Number(Object.values(store.saved[0]!)[0]);
    expect(barrierOffset).toBe(10_000); // the clock reached the interval at the 10th batch
    expect(store.acceptedAtFirstSave).toBeGreaterThanOrEqual(barrierOffset);
    // commits only move forward, and the last is the end of input
    const offsets = source.commits.map((p) => Number(Object.values(p)[0]));
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(offsets.at(-1)).toBe(EVENTS);
  });

  it('gives the same final table as a run whose saves never wait', async () => {
    const gated = await run(true);
    const free = await run(false);
    expect(gated.sink.table.size).toBeGreaterThan(0);
    expect([...gated.sink.table.entries()].sort()).toEqual([...free.sink.table.entries()].sort());
  });
});
