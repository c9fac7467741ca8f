import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../../src/core/config/index.js';
import { createLogger } from '../../../src/core/logger.js';
import type { Alert, AlertChannel } from '../../../src/drift/alerts/index.js';
import { ALERTS_TABLE } from '../../../src/drift/alerts/index.js';
import { createDriftStage, DRIFT_SCORES_TABLE, DriftMonitorStage } from '../../../src/drift/monitor/index.js';
import { FileSource } from '../../../src/ingest/file-source.js';
import { MemoryDeadLetterOutput } from '../../../src/ingest/dead-letter.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { Pipeline } from '../../../src/runtime/pipeline.js';
import { JsonlSink, readDeduplicated } from '../../../src/sinks/jsonl-sink.js';
import { prepareTable, rowValues } from '../../../src/sinks/table-spec.js';
import { MemoryCheckpointStore } from '../../../src/state/memory-store.js';
import { FEATURES, generator } from './helpers.js';

function eventsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sl-drift-'));
  const gen = generator(21, 30_000, { atEvent: 15_000 });
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) lines.push(JSON.stringify(gen.next()));
  writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
  return join(dir, 'events.jsonl');
}

function config(path: string, out: string): PipelineConfig {
  return parseConfig(
    {
      pipeline: 'drifty',
      source: { type: 'file', path, batchSize: 1000 },
      schema: GENERATOR_SCHEMA,
      sink: { type: 'jsonl', dir: join(out, 'sink') },
      checkpoint: { store: 'memory', interval: 0 },
      drift: {
        ...FEATURES,
        alerts: { channels: [{ type: 'table' }, { type: 'log' }], outboxDir: join(out, 'outbox') },
      },
    },
    {},
  );
}

/** A durable test channel recording what it receives. */
function recorder(): AlertChannel & { got: Alert[] } {
  const got: Alert[] = [];
  return { name: 'rec', type: 'test', got, publish: async (a) => void got.push(a) };
}

async function runPipeline(
  cfg: PipelineConfig,
  store: MemoryCheckpointStore,
  channel: AlertChannel,
  crashAtBatch?: number,
): Promise<DriftMonitorStage> {
  const stage = (await createDriftStage(cfg, {
    channels: [{ channel, maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20 }],
  }))!;
  let batches = 0;
  const sink = new JsonlSink({ dir: (cfg.sink as { dir: string }).dir });
  const pipeline: Pipeline = new Pipeline({
    config: cfg,
    source: new FileSource(cfg.source as never),
    sink,
    deadLetter: new MemoryDeadLetterOutput(),
    store,
    metrics: new Metrics(false),
    logger: createLogger('test'),
    stages: [stage],
    onBatch: () => {
      if (++batches === crashAtBatch) pipeline.crash();
    },
  });
  const outboxes = stage.dispatcher!.outboxes;
  await pipeline.run();
  await sink.close();
  for (const o of outboxes) await o.drain(5_000);
  return stage;
}

describe('DriftMonitorStage in the pipeline', () => {
  it('writes drift_scores and alerts rows; channels get the alerts after the checkpoint', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sl-drift-out-'));
    const cfg = config(eventsFile(), out);
    const rec = recorder();
    const stage = await runPipeline(cfg, new MemoryCheckpointStore(), rec);
    const scores = await readDeduplicated(join(out, 'sink'), 'drift_scores', DRIFT_SCORES_TABLE);
    const alerts = await readDeduplicated(join(out, 'sink'), 'alerts', ALERTS_TABLE);
    // 30 000 events, every 1000, the first 10 000 fill reference and window: 21 evaluations × (8 + dataset)
    expect(scores.length).toBe(21 * 9);
    const prepared = prepareTable(DRIFT_SCORES_TABLE);
    for (const r of scores) rowValues(prepared, r);
    expect(alerts.length).toBeGreaterThan(0);
    expect(rec.got.map((a) => a.id).sort()).toEqual(alerts.map((r) => r.id).sort());
    expect(stage.summary().datasetDrift).toBe(true);
    expect((await stage.list()).length).toBe(alerts.length);
    expect(stage.scores().find((s) => s.feature === 'x1')!.state).toBe('drift');
  });

  it('a crash and restore gives the same tables and delivers each alert once', async () => {
    const path = eventsFile();
    const straightOut = mkdtempSync(join(tmpdir(), 'sl-drift-out-'));
    const straight = recorder();
    await runPipeline(config(path, straightOut), new MemoryCheckpointStore(), straight);

    const out = mkdtempSync(join(tmpdir(), 'sl-drift-out-'));
    const cfg = config(path, out);
    const store = new MemoryCheckpointStore();
    const rec = recorder();
    // crash right after the batch that raises the first alerts (before their checkpoint)
    await runPipeline(cfg, store, rec, 16);
    await runPipeline(cfg, store, rec);
    const read = (dir: string, t: typeof ALERTS_TABLE) => readDeduplicated(join(dir, 'sink'), t.name, t);
    expect(await read(out, ALERTS_TABLE)).toEqual(await read(straightOut, ALERTS_TABLE));
    expect(await read(out, DRIFT_SCORES_TABLE)).toEqual(await read(straightOut, DRIFT_SCORES_TABLE));
    expect(rec.got.map((a) => a.id)).toEqual(straight.got.map((a) => a.id));
  });
});
