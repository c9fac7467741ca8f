import { parseConfig, type LearnerConfigInput, type PipelineConfig } from '../../../src/core/config/index.js';
import type { Event } from '../../../src/core/event.js';
import { createLogger } from '../../../src/core/logger.js';
import { EventGenerator, GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { createLearnerStage, type LearnerParts } from '../../../src/online/index.js';
import type { Row } from '../../../src/sinks/sink.js';
import type { Lease } from '../../../src/state/checkpoint-store.js';
import { MemoryCheckpointStore } from '../../../src/state/memory-store.js';

export const logger = createLogger('test');

/** A pipeline config over the generator's fields with the given learner section. */
export function learnerConfig(learner: LearnerConfigInput, pipeline = 'p1'): PipelineConfig {
  return parseConfig({ pipeline, source: { type: 'generator' }, schema: GENERATOR_SCHEMA, learner }, {});
}

export const DENSE: LearnerConfigInput = {
  features: { numeric: ['x1', 'x2', 'x3', 'x4'] },
  label: 'label',
  model: { type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } },
  metricsEvery: 100,
  predictions: true,
};

export const MIXED: LearnerConfigInput = {
  features: { numeric: ['x1', 'x2', 'amount', 'latency_ms'], categorical: ['region', 'device'] },
  label: 'label',
  model: { type: 'logistic-regression', optimizer: { type: 'adam', lr: 0.01 } },
  scale: true,
  metricsEvery: 100,
  predictions: true,
};

export const HASHED: LearnerConfigInput = {
  features: { numeric: ['x1', 'x2'], categorical: ['user', 'region', 'device'] },
  label: 'label',
  model: { type: 'logistic-regression' },
  categorical: { type: 'feature-hasher', nFeatures: 1024 },
  metricsEvery: 100,
};

export const REGRESSION: LearnerConfigInput = {
  features: { numeric: ['x1', 'x2', 'x3'], categorical: ['region'] },
  label: 'amount',
  model: { type: 'linear-regression', optimizer: { type: 'sgd', lr: 0.001 } },
  metricsEvery: 50,
};

export const MINI_BATCH: LearnerConfigInput = { ...DENSE, miniBatch: 8 };

/** `n` generator events (seeded), every 7th with its label removed. */
export function events(n: number, seed = 11): Event[] {
  const gen = new EventGenerator({
    type: 'generator',
    seed,
    events: n,
    rate: 0,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 100,
    disorderMs: 0,
    keys: 50,
    partitions: 1,
    drift: { atEvent: Math.floor(n / 2), widthEvents: 0, shift: 2 },
  });
  const out: Event[] = [];
  for (let i = 0; i < n; i++) {
    const e = gen.next();
    if (i % 7 === 6) e.label = null;
    out.push(e);
  }
  return out;
}

/** A learner on a memory store whose model lease it holds. */
export async function learnerOn(
  config: PipelineConfig,
  store = new MemoryCheckpointStore(),
  owner = 'test',
): Promise<LearnerParts & { store: MemoryCheckpointStore; lease: Lease }> {
  const name = `${config.pipeline}.model.${config.learner!.name}`;
  const lease = (await store.acquire(name, owner, 600_000))!;
  const parts = createLearnerStage(config, { store, lease: () => lease, logger, now: () => 0 });
  return { ...parts, store, lease };
}

/** Feeds events `from..to` with offsets equal to their index; returns the drained rows by table. */
export function feed(
  stage: LearnerParts['stage'],
  evs: Event[],
  from = 0,
  to = evs.length,
): Map<string, Row[]> {
  const rows = new Map<string, Row[]>();
  for (let i = from; i < to; i++) {
    stage.onEvent(evs[i]!, { partition: 'gen:0', offset: String(i) }, Number.NEGATIVE_INFINITY);
    if (i % 97 === 0) merge(rows, stage.drainRows());
  }
  merge(rows, stage.drainRows());
  return rows;
}

export function merge(into: Map<string, Row[]>, more: Map<string, Row[]>): Map<string, Row[]> {
  for (const [k, v] of more) into.set(k, [...(into.get(k) ?? []), ...v]);
  return into;
}
