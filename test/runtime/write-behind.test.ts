import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import { GENERATOR_SCHEMA } from '../../src/ingest/generator.js';
import { GeneratorSource } from '../../src/ingest/generator-source.js';
import { createLearnerStage } from '../../src/online/index.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import type { QueryOptions, Row, Sink, TableSpec } from '../../src/sinks/sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

/** Keeps every row it is given, by table, and counts the writes started. */
class RecordingSink implements Sink {
  readonly kind = 'recording';
  readonly rows = new Map<string, Row[]>();
  writes = 0;
  async ensureTables(_tables: TableSpec[]): Promise<void> {}
  async write(table: string, rows: Row[]): Promise<void> {
    this.writes++; // started
    await new Promise((r) => setTimeout(r, 5)); // a sink takes a while
    let list = this.rows.get(table);
    if (!list) this.rows.set(table, (list = []));
    list.push(...rows);
  }
  async query(_table: string, _options?: QueryOptions): Promise<Row[]> {
    return [];
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('rows between checkpoints', () => {
  it('are written while input goes on (predictions, one per event, included), each once', async () => {
    const events = 60_000;
    const config = parseConfig(
      {
        pipeline: 'behind',
        source: { type: 'generator', events, intervalMs: 1, seed: 3 },
        schema: GENERATOR_SCHEMA,
        learner: {
          name: 'm',
          features: { numeric: ['x1', 'x2'] },
          label: 'label',
          model: { type: 'logistic-regression' },
          predictions: true,
        },
        checkpoint: { store: 'memory', interval: '1h' }, // one checkpoint, at the end
      },
      {},
    );
    const store = new MemoryCheckpointStore();
    const lease = (await store.acquire('behind.model.m', 'me', 600_000))!;
    const learner = createLearnerStage(config, {
      store,
      lease: () => lease,
      logger: createLogger('test'),
      now: () => 0,
    });
    const sink = new RecordingSink();
    let writesBeforeEnd = 0;
    const pipeline = new Pipeline({
      config,
      source: new GeneratorSource(config.source as never),
      sink,
      deadLetter: new MemoryDeadLetterOutput(),
      store,
      metrics: new Metrics(false),
      logger: createLogger('test'),
      stages: [learner.stage],
      onBatch: (stats) => {
        if (stats.accepted < events) writesBeforeEnd = sink.writes;
      },
    });
    await pipeline.run();
    expect(writesBeforeEnd).toBeGreaterThan(0);
    const predictions = sink.rows.get('predictions') ?? [];
    expect(predictions).toHaveLength(events);
    expect(new Set(predictions.map((r) => `${String(r.partition)}/${String(r.offset)}`)).size).toBe(events);
  });
});
