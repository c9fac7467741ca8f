import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../src/core/config/index.js';
import type { Event } from '../../src/core/event.js';
import { createLogger } from '../../src/core/logger.js';
import { DriftMonitor, DriftMonitorStage } from '../../src/drift/monitor/index.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import { GENERATOR_SCHEMA } from '../../src/ingest/generator.js';
import { GeneratorSource } from '../../src/ingest/generator-source.js';
import { createLearnerStage } from '../../src/online/index.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import type { Stage } from '../../src/runtime/stage.js';
import { JsonlSink } from '../../src/sinks/jsonl-sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

const EVENTS = 300;
const logger = createLogger('test');

function config(dir: string, withStages = false): PipelineConfig {
  return parseConfig(
    {
      pipeline: 'fields',
      source: { type: 'generator', seed: 3, events: EVENTS, rate: 0, intervalMs: 10 },
      schema: GENERATOR_SCHEMA,
      windows: [
        {
          name: 'w',
          type: 'tumbling',
          size: '1m',
          groupBy: ['region'],
          aggregates: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
        },
      ],
      ...(withStages
        ? {
            learner: {
              name: 'm',
              features: { numeric: ['x1'], categorical: ['device'] },
              label: 'label',
              model: { type: 'logistic-regression' },
            },
            drift: { numeric: ['x2'], categorical: [] },
          }
        : {}),
      sink: { type: 'jsonl', dir },
      checkpoint: { store: 'memory', interval: '1h' },
    },
    {},
  );
}

/** A stage that keeps the events it is given; `fields` as the stage declares them (or not). */
function recorder(fields?: readonly string[]): Stage & { seen: Event[] } {
  const seen: Event[] = [];
  return {
    name: 'recorder',
    ...(fields ? { fields } : {}),
    seen,
    tables: () => [],
    onEvent: (event) => void seen.push(event),
    drainRows: () => new Map(),
    snapshot: () => null,
    restore: () => undefined,
  };
}

async function run(cfg: PipelineConfig, stages: Stage[]): Promise<void> {
  const sink = new JsonlSink({ dir: (cfg.sink as { dir: string }).dir });
  const pipeline = new Pipeline({
    config: cfg,
    source: new GeneratorSource(cfg.source as never),
    sink,
    deadLetter: new MemoryDeadLetterOutput(),
    store: new MemoryCheckpointStore(),
    metrics: new Metrics(false),
    logger,
    stages,
  });
  const stats = await pipeline.run();
  await sink.close();
  expect(stats.accepted).toBe(EVENTS);
}

describe('event fields', () => {
  const dir = (): string => mkdtempSync(join(tmpdir(), 'sl-fields-'));

  it('events carry only what windows and stages read (plus ts and key)', async () => {
    const stage = recorder(['x1']);
    await run(config(dir()), [stage]);
    expect(stage.seen).toHaveLength(EVENTS);
    for (const e of stage.seen)
      expect(Object.keys(e).sort()).toEqual(['amount', 'key', 'region', 'ts', 'x1']);
  });

  it('a stage that does not say what it reads gets every declared field', async () => {
    const stage = recorder();
    await run(config(dir()), [stage]);
    const declared = Object.keys(GENERATOR_SCHEMA.fields ?? {});
    for (const e of stage.seen) for (const f of declared) expect(e, f).toHaveProperty(f);
  });

  it("the learner's and the monitor's features and label are kept", async () => {
    const cfg = config(dir(), true);
    const store = new MemoryCheckpointStore();
    const lease = (await store.acquire('fields.model.m', 'me', 600_000))!;
    const learner = createLearnerStage(cfg, { store, lease: () => lease, logger, now: () => 0 });
    const monitor = new DriftMonitorStage(new DriftMonitor({ pipeline: cfg.pipeline, config: cfg.drift! }));
    const stage = recorder([]);
    await run(cfg, [learner.stage, monitor, stage]);
    for (const e of stage.seen)
      expect(Object.keys(e).sort()).toEqual(['amount', 'device', 'key', 'label', 'region', 'ts', 'x1', 'x2']);
    expect(learner.stage.labelled).toBe(EVENTS); // it saw every label
  });
});
