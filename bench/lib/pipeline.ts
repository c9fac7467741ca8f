import { pino } from 'pino';
import { pipelineConfigSchema, type PipelineConfigInput } from '../../src/core/config/index.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import type { Source } from '../../src/ingest/source.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline, type PipelineStats } from '../../src/runtime/pipeline.js';
import type { QueryOptions, Row, Sink, TableSpec } from '../../src/sinks/sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

/**
 * A sink that counts rows and drops them: the windows bench measures the operator, not a sink.
 * `write` still receives every row the pipeline emits (each row object is built).
 */
export class CountingSink implements Sink {
  readonly kind = 'counting';
  rows = 0;
  writes = 0;
  async ensureTables(_tables: TableSpec[]): Promise<void> {}
  async write(_table: string, rows: Row[]): Promise<void> {
    this.rows += rows.length;
    this.writes++;
  }
  async query(_table: string, _options?: QueryOptions): Promise<Row[]> {
    return [];
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface BenchRun {
  stats: PipelineStats;
  seconds: number;
  deadLetters: number;
}

/**
 * Runs a pipeline in-process as the benches do: memory checkpoint store and dead letters,
 * `Metrics(false)` (no default process collectors), a silent logger, and one checkpoint at the end
 * (interval of an hour) unless the config says otherwise.
 */
export async function runPipeline(
  input: PipelineConfigInput,
  source: Source,
  sink: Sink,
  onBatch?: (stats: PipelineStats) => void,
): Promise<BenchRun> {
  const config = pipelineConfigSchema.parse({ checkpoint: { store: 'memory', interval: '1h' }, ...input });
  const deadLetter = new MemoryDeadLetterOutput();
  const pipeline = new Pipeline({
    config,
    source,
    sink,
    deadLetter,
    store: new MemoryCheckpointStore(),
    metrics: new Metrics(false),
    logger: pino({ level: 'silent' }),
    ...(onBatch ? { onBatch } : {}),
  });
  const t0 = process.hrtime.bigint();
  const stats = await pipeline.run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { stats, seconds, deadLetters: deadLetter.letters.length };
}
