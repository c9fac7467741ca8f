import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { PipelineConfigInput } from '../../../src/core/config/index.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { spawnCli, type CliProcess } from '../helpers/cli-process.js';
import { CLICKHOUSE_URL, REDIS_URL } from '../helpers/services.js';
import { DEVICE_5M, REGION_1M, restartableKafkaSource } from '../helpers/restart-pipeline.js';

/** Tables every fault-suite pipeline writes, compared between runs. */
export const TABLES = ['w_region_1m', 'w_device_5m', 'model_metrics', 'drift_scores', 'alerts'] as const;
export const MODEL = 'clf';
export const WEBHOOK_SECRET = 'fault-suite-webhook-secret';

export interface FaultPipeline {
  /** Pipeline name = database = consumer group = webhook route. */
  name: string;
  topic: string;
  dir: string;
  /** End the input after this long without records. */
  idleMs: number;
  webhookUrl: string;
}

/**
 * The suite's pipeline: a 4-partition Kafka topic → tumbling and hopping windows, a logistic
 * regression learner and a drift monitor (features and the learner's error) whose alerts go to the
 * `alerts` table and a signed webhook → ClickHouse, checkpoints and model versions in Redis, the
 * API on a free port (for /readyz). Each run gets its own pipeline name and database.
 */
export function pipelineConfig(p: FaultPipeline, port: number): PipelineConfigInput {
  return {
    pipeline: p.name,
    source: restartableKafkaSource(p.topic, p.name, p.idleMs),
    schema: GENERATOR_SCHEMA,
    watermark: { maxOutOfOrderness: '3s' },
    windows: [REGION_1M, DEVICE_5M],
    learner: {
      name: MODEL,
      features: { numeric: ['x1', 'x2', 'x3', 'x4'], categorical: ['region', 'device'] },
      label: 'label',
      model: { type: 'logistic-regression' },
      scale: true,
      metricsEvery: 2000,
    },
    drift: {
      numeric: ['x1', 'amount'],
      categorical: ['region'],
      error: true,
      reference: { type: 'first', events: 4000 },
      window: { type: 'count', size: 4000 },
      evaluate: { everyEvents: 1000 },
      alerts: {
        outboxDir: join(p.dir, 'alerts'),
        channels: [
          { type: 'table' },
          {
            type: 'webhook',
            name: 'hook',
            url: p.webhookUrl,
            secret: WEBHOOK_SECRET,
            timeoutMs: 1000,
            maxAttempts: 1000,
            initialDelayMs: 100,
            maxDelayMs: 1000,
          },
        ],
      },
    },
    sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database: p.name },
    deadLetter: { type: 'file', path: join(p.dir, 'dead-letter.jsonl') },
    checkpoint: { store: 'redis', redisUrl: REDIS_URL, interval: 500, leaseTtl: 6000 },
    api: { enabled: true, host: '127.0.0.1', port },
  };
}

/** A port free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One answer of `/readyz`: the HTTP status (0 = no answer) and the failing dependencies. */
export interface ReadySample {
  at: number;
  status: number;
  failing: string[];
}

/**
 * The service under test as a child process (`streamlearn run`), on its own port, with a prober
 * that asks `/readyz` and `/v1/pipeline` in a loop (one request at a time: a pipeline busy with a
 * large batch answers late, so each request may take seconds).
 */
export class ServiceUnderTest {
  readonly samples: ReadySample[] = [];
  /** The last `stats.records` the API reported. */
  records = 0;
  /** When the stats (records read, rows written, checkpoints) last changed, and `records` alone. */
  progressAt = 0;
  recordsAt = 0;
  /** The stats last seen from the current process ('' until its first answer). */
  private progress = '';
  process: CliProcess | null = null;
  private configFile: string;
  private probing = false;
  private prober: Promise<void> | null = null;

  constructor(
    readonly pipeline: FaultPipeline,
    private readonly port: number,
    private readonly children: CliProcess[],
  ) {
    mkdirSync(pipeline.dir, { recursive: true });
    this.configFile = join(pipeline.dir, 'pipeline.yaml');
    writeFileSync(this.configFile, stringify(pipelineConfig(pipeline, port)));
  }

  static async create(pipeline: FaultPipeline, children: CliProcess[]): Promise<ServiceUnderTest> {
    return new ServiceUnderTest(pipeline, await freePort(), children);
  }

  /** Starts the process (again, after a kill) and the prober. */
  spawn(): CliProcess {
    this.progress = '';
    this.process = spawnCli(
      ['run', '-c', this.configFile],
      { LOG_LEVEL: 'info', PORT: String(this.port) },
      this.children,
      join(this.pipeline.dir, 'service.log'),
    );
    if (!this.probing) {
      this.probing = true;
      this.prober = this.probe();
    }
    return this.process;
  }

  /** Resolves when `/readyz` answered 200 after `since` (wall ms); rejects after `timeoutMs`. */
  async readyAfter(since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = this.samples.find((s) => s.at > since && s.status === 200);
      if (ok) return ok.at;
      if (Date.now() > deadline)
        throw new Error(`${this.pipeline.name}: /readyz not ready within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /**
   * Resolves with the wall time the pipeline's stats (records read, rows written, checkpoints) were
   * seen changing after `since`, or the run ended after it; rejects after `timeoutMs`.
   */
  async movedAfter(since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.progressAt > since) return this.progressAt;
      const ended = this.endedAt();
      if (ended !== null && ended > since) return ended;
      if (Date.now() > deadline)
        throw new Error(`${this.pipeline.name}: no progress after ${since} within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Resolves once the pipeline has read at least `n` records; rejects after `timeoutMs`. */
  async recordsAtLeast(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.records < n) {
      if (Date.now() > deadline)
        throw new Error(`${this.pipeline.name}: ${this.records} records after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Resolves with the wall time `stats.records` was seen growing after `since`; rejects after `timeoutMs`. */
  async readingAfter(since: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.recordsAt <= since) {
      if (Date.now() > deadline)
        throw new Error(`${this.pipeline.name}: not reading after ${since} within ${timeoutMs} ms`);
      await sleep(50);
    }
    return this.recordsAt;
  }

  /** Wall time the service logged the end of its input, or null. */
  endedAt(): number | null {
    const line = this.process?.lines.find((l) => l.msg === 'input ended');
    return line ? (line.time as number) : null;
  }

  /**
   * Waits for the end of input (the service logs "input ended" and keeps serving its API), lets
   * `beforeStop` finish (e.g. until every alert is delivered), then stops it with SIGTERM and
   * expects a clean exit.
   */
  async finish(timeoutMs: number, beforeStop: () => Promise<void> = async () => undefined): Promise<void> {
    const proc = this.process!;
    await proc.waitForLog((l) => l.msg === 'input ended', timeoutMs);
    await beforeStop();
    await this.stopProbing();
    proc.kill('SIGTERM');
    const code = await withTimeout(proc.exited, 20_000, `${this.pipeline.name}: no exit after SIGTERM`);
    if (code !== 0) throw new Error(`${this.pipeline.name} exited with ${code}:\n${proc.tail()}`);
  }

  async stopProbing(): Promise<void> {
    this.probing = false;
    await this.prober;
    this.prober = null;
  }

  /** Samples taken in [from, to). */
  samplesBetween(from: number, to: number): ReadySample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }

  private async probe(): Promise<void> {
    const base = `http://127.0.0.1:${this.port}`;
    while (this.probing) {
      const at = Date.now();
      try {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
        const failing = Object.entries(body.checks)
          .filter(([, c]) => !c.ok)
          .map(([name]) => name);
        this.samples.push({ at, status: res.status, failing });
        const res2 = await fetch(`${base}/v1/pipeline`, { signal: AbortSignal.timeout(5000) });
        const { stats } = (await res2.json()) as {
          stats: { records: number; rowsWritten: number; checkpoints: number };
        };
        // a restarted process's first answer is its baseline, not progress
        const first = this.progress === '';
        if (!first && stats.records !== this.records) this.recordsAt = Date.now();
        this.records = stats.records;
        const progress = `${stats.records}/${stats.rowsWritten}/${stats.checkpoints}`;
        if (!first && progress !== this.progress) this.progressAt = Date.now();
        this.progress = progress;
      } catch (err) {
        // no answer: the process is down (refused) or too busy to answer in time
        const busy = (err as Error).name === 'TimeoutError';
        this.samples.push({ at, status: 0, failing: [busy ? 'timeout' : 'process'] });
      }
      await sleep(200);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
