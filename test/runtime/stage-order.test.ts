import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/core/config/index.js';
import type { Positions, RawRecord, RecordBatch } from '../../src/core/event.js';
import { createLogger } from '../../src/core/logger.js';
import { Random } from '../../src/core/random.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import { EventGenerator, GENERATOR_SCHEMA, partitionOf } from '../../src/ingest/generator.js';
import type { PartitionListener, Source } from '../../src/ingest/source.js';
import { createLearnerStage } from '../../src/online/index.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import { JsonlSink } from '../../src/sinks/jsonl-sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

const TOPIC = 't';
const PARTITIONS = 4;
const logger = createLogger('test');

/** Generated events spread over partitions by key, each partition disordered within 2 s. */
function partitionedInput(n: number): RawRecord[][] {
  const gen = new EventGenerator({
    type: 'generator',
    seed: 5,
    events: n,
    rate: 0,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 20,
    disorderMs: 2_000,
    keys: 200,
    partitions: 1,
    drift: { atEvent: Math.floor(n / 2), widthEvents: 0, shift: 2 },
  });
  const parts: RawRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < n; i++) {
    const e = gen.next();
    const p = parts[partitionOf(String(e.user), PARTITIONS)]!;
    p.push({ offset: String(p.length), key: null, value: Buffer.from(JSON.stringify(e)), ts: e.ts });
  }
  return parts;
}

/**
 * A source that hands out partitions in a seeded random interleaving and batch size, as a
 * consumer group might — the thing a model's state must not depend on.
 */
class InterleavingSource implements Source {
  readonly kind = 'interleaving';
  private readonly next_: number[];
  private readonly rng: () => number;

  constructor(
    private readonly parts: RawRecord[][],
    seed: number,
  ) {
    const random = new Random(seed);
    this.rng = () => random.next();
    this.next_ = parts.map(() => 0);
  }

  async start(positions: Positions = {}, listener?: PartitionListener): Promise<void> {
    this.parts.forEach((_, p) => (this.next_[p] = Number(positions[`${TOPIC}:${p}`] ?? 0)));
    await listener?.onAssigned?.(this.parts.map((_, partition) => ({ topic: TOPIC, partition })));
  }

  async next(): Promise<RecordBatch | null> {
    const open = this.parts.map((_, p) => p).filter((p) => this.next_[p]! < this.parts[p]!.length);
    if (open.length === 0) return null;
    const p = open[Math.floor(this.rng() * open.length)]!;
    const size = 1 + Math.floor(this.rng() * 300);
    const from = this.next_[p]!;
    this.next_[p] = Math.min(from + size, this.parts[p]!.length);
    return { topic: TOPIC, partition: p, records: this.parts[p]!.slice(from, this.next_[p]) };
  }

  async commit(): Promise<void> {}
  pause(): void {}
  resume(): void {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

function config(dir: string): PipelineConfig {
  return parseConfig(
    {
      pipeline: 'order',
      source: { type: 'generator' },
      schema: GENERATOR_SCHEMA,
      watermark: { maxOutOfOrderness: '3s', idleTimeout: 0 },
      windows: [
        { name: 'w', type: 'tumbling', size: '1m', groupBy: ['region'], aggregates: [{ fn: 'count' }] },
      ],
      learner: {
        name: 'm',
        features: { numeric: ['x1', 'x2', 'x3', 'x4'], categorical: ['region'] },
        label: 'label',
        model: { type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } },
        metricsEvery: 500,
      },
      sink: { type: 'jsonl', dir },
      checkpoint: { store: 'file', path: join(dir, 'unused'), interval: 1 },
    },
    {},
  );
}

/** Runs to the end (restarting after a crash at `crashAtBatch`); returns the learner's final state. */
async function learnedModel(parts: RawRecord[][], seed: number, crashAtBatch?: number): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-order-'));
  const cfg = config(dir);
  const store = new MemoryCheckpointStore();
  let clock = 0;
  const runOnce = async (crashAt: number | undefined, runSeed: number) => {
    const lease = (await store.acquire('order.model.m', `owner-${runSeed}`, 600_000))!;
    const learner = createLearnerStage(cfg, { store, lease: () => lease, logger, now: () => 0 });
    let batches = 0;
    const sink = new JsonlSink({ dir });
    const pipeline: Pipeline = new Pipeline({
      config: cfg,
      source: new InterleavingSource(parts, runSeed),
      sink,
      deadLetter: new MemoryDeadLetterOutput(),
      store,
      metrics: new Metrics(false),
      logger,
      now: () => clock,
      stages: [learner.stage],
      onBatch: () => {
        clock++; // checkpoint interval 1: a checkpoint after every batch
        if (++batches === crashAt) pipeline.crash();
      },
    });
    await pipeline.run();
    await sink.close();
    await store.release(lease);
    return learner.stage;
  };
  if (crashAtBatch !== undefined) await runOnce(crashAtBatch, seed);
  const stage = await runOnce(undefined, seed + 1000);
  const state = stage.snapshot() as { bundle: unknown; eventsSeen: number; labelled: number };
  return { bundle: state.bundle, eventsSeen: state.eventsSeen, labelled: state.labelled };
}

describe('stages see one canonical event order', () => {
  const parts = partitionedInput(6_000);

  it('the learned model is the same for any interleaving of partitions and batch sizes', async () => {
    const a = await learnedModel(parts, 1);
    const b = await learnedModel(parts, 2);
    const c = await learnedModel(parts, 3);
    expect((a as { eventsSeen: number }).eventsSeen).toBe(6_000);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('and the same after a crash and restore at any of several moments', async () => {
    const clean = await learnedModel(parts, 1);
    for (const crashAt of [1, 7, 23, 40]) expect(await learnedModel(parts, 7, crashAt)).toEqual(clean);
  });
});
