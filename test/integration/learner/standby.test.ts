import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfigInput } from '../../../src/core/config/index.js';
import { createLogger } from '../../../src/core/logger.js';
import { MemoryDeadLetterOutput } from '../../../src/ingest/dead-letter.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { createSource } from '../../../src/ingest/index.js';
import {
  createLearnerStage,
  decodeVersion,
  learnerCheckpointName,
  ModelBundle,
  type BundleState,
} from '../../../src/online/index.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { Pipeline } from '../../../src/runtime/pipeline.js';
import { JsonlSink } from '../../../src/sinks/jsonl-sink.js';
import { MemoryCheckpointStore } from '../../../src/state/memory-store.js';
import { RedisCheckpointStore } from '../../../src/state/redis-store.js';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/child-process.js';
import { REDIS_URL, requireServices } from '../helpers/services.js';
import { RACE_CONFIG } from './fixtures/race-config.js';

// Two `streamlearn run` processes of one pipeline on the real Redis: the second waits for the
// leases and serves the newest published version meanwhile; killed, the first hands over.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('./fixtures/streamlearn-source.ts', import.meta.url));
const ID = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
const PIPELINE = `standby_${ID}`;
const EVENTS = 60_000; // 30 s at 2 000 events/s: A is still learning when B is checked and A killed
const RELOAD_MS = 300;
const PROBE = { x1: 0.2, x2: 1, x3: -0.5, amount: 20, region: 'us', device: 'tablet' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function pipelineConfig(dir: string, port: number, rate: number): PipelineConfigInput {
  return {
    pipeline: PIPELINE,
    source: {
      type: 'generator',
      seed: 9,
      events: EVENTS,
      rate,
      startTime: Date.UTC(2026, 0, 1),
      intervalMs: 100,
      keys: 50,
    },
    schema: GENERATOR_SCHEMA,
    sink: { type: 'jsonl', dir: join(dir, 'sink') },
    deadLetter: { type: 'file', path: join(dir, 'dead-letter.jsonl') },
    checkpoint: { store: 'redis', redisUrl: REDIS_URL, interval: 400, leaseTtl: 2_000 },
    api: { host: '127.0.0.1', port, dashboard: false, docs: false },
    learner: { ...RACE_CONFIG.learner!, keepVersions: 1_000, reloadInterval: RELOAD_MS },
  };
}

interface ModelView {
  role: 'learner' | 'replica';
  version: number | null;
  eventsSeen: number;
  versions: { version: number }[];
}

async function model(port: number): Promise<ModelView | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/models/clicks`);
    return res.ok ? ((await res.json()) as ModelView) : null;
  } catch {
    return null; // not listening (yet, or any more)
  }
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('a standby instance of the learner pipeline (two CLI processes, real Redis)', () => {
  const children: ChildProcess[] = [];
  let store: RedisCheckpointStore;
  beforeAll(async () => {
    await requireServices(['redis']);
    store = new RedisCheckpointStore({ url: REDIS_URL });
  });
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await store?.close();
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${PIPELINE}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });

  it('serves the newest published version while waiting, reloads it, and takes over after a SIGKILL without losing or repeating an event', async () => {
    const portA = 19_000 + Math.floor(Math.random() * 500);
    const portB = portA + 500;
    const config = parseConfig(pipelineConfig(tmpdir(), 0, 0), {});
    const name = learnerCheckpointName(config);
    const a = instance(children, 'A', portA);
    await until('A learning and publishing', async () => ((await model(portA))?.version ?? 0) >= 2, 30_000);

    const b = instance(children, 'B', portB);
    // B waits for the leases and serves the newest stored version, reloaded every RELOAD_MS
    const first = await until(
      'B serving a version',
      async () => model(portB).then((m) => (m?.version ? m : null)),
      30_000,
    );
    expect(first.role).toBe('replica');
    const bVersion = await until(
      'B serving the newest stored version',
      async () => {
        const newest = (await store.listVersions(name)).at(-1)!.version;
        const served = (await model(portB))!.version!;
        return served >= newest - 1 && served; // the learner may publish between the two reads
      },
      5_000,
    );
    // A publishes a newer version; B serves it within a reload interval (plus slack for a busy machine)
    const published = await until(
      'A publishing a newer version',
      async () =>
        (await store.listVersions(name)).at(-1)!.version > bVersion &&
        (await store.listVersions(name)).at(-1)!.version,
      15_000,
    );
    const later = await until(
      'B reloading the newer version',
      async () => model(portB).then((m) => (m && m.version! >= published ? m : null)),
      RELOAD_MS + 3_000,
    );
    expect(later.role).toBe('replica');
    expect((await model(portA))!.role).toBe('learner');
    expect(b.events.some((e) => e.msg === 'pipeline running')).toBe(false);

    // B's predictions are exactly those of the version it reports
    const res = await fetch(`http://127.0.0.1:${portB}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'clicks', instances: [PROBE] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { version: number; probabilities: object }[] };
    const served = body.predictions[0]!;
    const payload = decodeVersion(name, (await store.loadVersion(name, served.version))!);
    const bundle = ModelBundle.fromState(config.learner!, (payload.state as { bundle: BundleState }).bundle);
    expect(served.probabilities).toEqual(bundle.predict(PROBE).probabilities);

    // A dies mid-stream; B takes the leases over, restores and learns to the end
    const aSeen = (await model(portA))!.eventsSeen;
    expect(aSeen).toBeLessThan(EVENTS);
    a.proc.kill('SIGKILL');
    await until('B learning', async () => (await model(portB))?.role === 'learner', 20_000);
    await until(
      'B at the end of the input',
      async () => (await model(portB))!.eventsSeen === EVENTS,
      120_000,
    );
    const last = await until(
      'the last version published',
      async () => {
        const newest = (await store.load(name))!;
        const p = decodeVersion(name, newest.data);
        return p.metadata.eventsSeen === EVENTS && p;
      },
      10_000,
    );

    // one unbroken history: A's versions, then B's, each further along the stream
    const history = await Promise.all(
      (await store.listVersions(name)).map(
        async (v) => decodeVersion(name, (await store.loadVersion(name, v.version))!).metadata,
      ),
    );
    const owners = [...new Set(history.map((m) => m.owner))];
    expect(owners).toHaveLength(2);
    const seen = history.map((m) => m.eventsSeen);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(seen.length);

    // no event learned twice or skipped: the same model as one uninterrupted run
    const straight = await straightRun();
    expect(last.metadata.labelled).toBe(straight.labelled);
    expect(JSON.stringify((last.state as { bundle: BundleState }).bundle)).toBe(straight.bundle);

    const exited = new Promise((resolve) => b.proc.once('exit', resolve));
    b.proc.kill('SIGTERM');
    await exited;
  }, 240_000);
});

/** One `streamlearn run` of the pipeline (from source, through tsx), logging JSON lines. */
function instance(children: ChildProcess[], label: string, port: number): JsonLinesChild {
  const dir = mkdtempSync(join(tmpdir(), `sl-standby-${label}-`));
  const cfg = join(dir, 'pipeline.json');
  writeFileSync(cfg, JSON.stringify(pipelineConfig(dir, port, 2_000)));
  return spawnJsonLines(CLI, ROOT, { LOG_LEVEL: 'info', REDIS_URL }, children, label, ['run', '-c', cfg]);
}

/** The same pipeline run straight through in this process, on a memory store. */
async function straightRun(): Promise<{ bundle: string; labelled: number }> {
  const config = parseConfig(pipelineConfig(mkdtempSync(join(tmpdir(), 'sl-standby-straight-')), 0, 0), {});
  const memory = new MemoryCheckpointStore();
  const lease = (await memory.acquire(learnerCheckpointName(config), 'straight', 600_000))!;
  const logger = createLogger('test');
  const learner = createLearnerStage(config, { store: memory, lease: () => lease, logger });
  await new Pipeline({
    config: { ...config, checkpoint: { ...config.checkpoint, store: 'memory' } },
    source: createSource(config.source, logger),
    sink: new JsonlSink({ dir: (config.sink as { dir: string }).dir }),
    deadLetter: new MemoryDeadLetterOutput(),
    store: memory,
    metrics: new Metrics(false),
    logger,
    stages: [learner.stage],
  }).run();
  learner.service.close();
  return { bundle: JSON.stringify(learner.stage.bundle.toState()), labelled: learner.stage.labelled };
}
