import { pino } from 'pino';
import { pipelineConfigSchema, type PipelineConfigInput } from '../../src/core/config/index.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import type { Positions, RecordBatch } from '../../src/core/event.js';
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
  /** performance.now() when the run began (see {@link TimedSource.workSeconds}). */
  startedAt: number;
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
  const startedAt = performance.now();
  const stats = await pipeline.run();
  const seconds = (performance.now() - startedAt) / 1000;
  return { stats, seconds, deadLetters: deadLetter.letters.length, startedAt };
}

/**
 * A source that notes when its input really ended and when its last commit finished, so an
 * end-to-end figure can leave out what a finite replay of a live stream adds: the idle wait that
 * tells it the topic is drained (`stopWhenIdleMs`, plus the end-of-input check's own polling), and
 * the consumer's goodbye to its group after the last commit. Work that runs during that wait (a
 * periodic checkpoint's writes and commit: see {@link timeWrites}) stays in the figure.
 */
export class TimedSource implements Source {
  /** performance.now() when the last batch with records was handed out. */
  private lastRecordsAt = Number.NaN;
  /** performance.now() when `next()` first said the input ended. */
  private endedAt = Number.NaN;
  /** performance.now() when the last commit (the final checkpoint's) completed. */
  private lastCommitAt = Number.NaN;
  /** [start, end] of writes and commits, performance.now() values. */
  private readonly busySpans: [number, number][] = [];

  constructor(private readonly inner: Source) {}

  get kind(): string {
    return this.inner.kind;
  }
  start(...args: Parameters<Source['start']>): Promise<void> {
    return this.inner.start(...args);
  }
  async next(): Promise<RecordBatch | null> {
    const batch = await this.inner.next();
    if (batch === null) {
      if (Number.isNaN(this.endedAt)) this.endedAt = performance.now();
    } else if (batch.records.length > 0) this.lastRecordsAt = performance.now();
    return batch;
  }
  async commit(positions: Positions): Promise<void> {
    const from = performance.now();
    await this.inner.commit(positions);
    this.lastCommitAt = performance.now();
    this.busy(from, this.lastCommitAt);
  }
  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Counts `sink`'s writes as work, not idle wait. */
  timeWrites(sink: Sink): void {
    const write = sink.write.bind(sink);
    sink.write = async (table, rows) => {
      const from = performance.now();
      await write(table, rows);
      this.busy(from, performance.now());
    };
  }

  private busy(from: number, to: number): void {
    this.busySpans.push([from, to]);
  }

  /**
   * Seconds from `runStart` to the final commit, less the idle part of the wait between the last
   * record and the end-of-input signal.
   */
  workSeconds(runStart: number): number {
    if (Number.isNaN(this.lastCommitAt) || Number.isNaN(this.endedAt))
      throw new Error('the run did not end with its input and a final commit');
    const [from, to] = [this.lastRecordsAt, this.endedAt];
    let busy = 0;
    let covered = from;
    for (const [a, b] of [...this.busySpans].sort((x, y) => x[0] - y[0])) {
      const start = Math.max(a, covered);
      const end = Math.min(b, to);
      if (end > start) busy += end - start;
      covered = Math.max(covered, Math.min(b, to));
    }
    const idle = Math.max(0, to - from - busy);
    return (this.lastCommitAt - runStart - idle) / 1000;
  }
}
