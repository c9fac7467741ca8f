import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfigInput } from '../../../src/core/config/index.js';
import { Random } from '../../../src/core/random.js';
import { EventGenerator, GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { startService } from '../../../src/runtime/service.js';
import { dropDatabases } from '../helpers/clickhouse-tables.js';
import { createTopic, deleteTopics } from '../helpers/seeded-input.js';
import {
  clickhouse,
  CLICKHOUSE_URL,
  kafka,
  REDIS_URL,
  requireServices,
  uniqueName,
} from '../helpers/services.js';
import { restartableKafkaSource, USER_SESSION } from '../helpers/restart-pipeline.js';

/**
 * Scale-out on the real services: two instances in one consumer group share a 4-partition topic
 * keyed by user (window state per partition, leased and checkpointed per partition in Redis), and
 * write the same ClickHouse tables as one instance. Then one of the two is SIGKILLed mid-run: the
 * other takes its partitions, restores their state from their checkpoints, and the tables are
 * still exact.
 */
const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const BIN = join(ROOT, 'bin', 'streamlearn.js');
const PARTITIONS = 4;
const EVENTS = 24_000;
const databases: string[] = [];
const topics: string[] = [];
const children: ChildProcess[] = [];

function pipelineConfig(topic: string, database: string, group: string, dir: string): PipelineConfigInput {
  databases.push(database);
  return {
    pipeline: `so_${group.slice(-8)}`,
    source: { ...restartableKafkaSource(topic, group), partitionedBy: ['user'] },
    schema: GENERATOR_SCHEMA,
    watermark: { maxOutOfOrderness: '3s' },
    windows: [
      {
        name: 'user_1m',
        type: 'tumbling',
        size: '1m',
        groupBy: ['user'],
        aggregates: [
          { fn: 'count' },
          { fn: 'sum', field: 'amount' },
          { fn: 'quantile', field: 'latency_ms', q: 0.95 },
        ],
      },
      {
        name: 'user_region_5m',
        type: 'hopping',
        size: '5m',
        slide: '1m',
        groupBy: ['user', 'region'],
        aggregates: [{ fn: 'count' }, { fn: 'mean', field: 'x1' }],
      },
      USER_SESSION,
    ],
    sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database },
    deadLetter: { type: 'file', path: join(dir, 'dlq.jsonl') },
    checkpoint: { store: 'redis', redisUrl: REDIS_URL, interval: 300, leaseTtl: 5000 },
    api: { enabled: false },
  };
}

/**
 * The seeded stream, then one far-future event per partition so every real window fires; with
 * `gate`, the second half waits for it.
 */
async function produceInput(topic: string, gate?: Promise<void>): Promise<void> {
  const gen = new EventGenerator({
    type: 'generator',
    seed: 77,
    events: 0,
    rate: 0,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 50,
    disorderMs: 2000,
    keys: 300,
    partitions: 1,
    drift: { atEvent: 0, widthEvents: 0, shift: 0 },
  });
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let last = 0;
  for (let sent = 0; sent < EVENTS; sent += 1000) {
    if (sent === EVENTS / 2 && gate) await gate;
    const messages = Array.from({ length: 1000 }, () => {
      const e = gen.next();
      last = e.ts;
      // keyed by user: the default partitioner puts each user in one partition (co-partitioning)
      return { key: String(e.user), value: JSON.stringify(e) };
    });
    await producer.send({ topic, messages, acks: -1 });
  }
  // a group of its own in each partition, an hour ahead: its window stays open, the rest fire
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
      partition,
      key: `sentinel-${partition}`,
      value: JSON.stringify({ ...gen.next(), ts: last + 3_600_000, user: `sentinel-${partition}` }),
    })),
  });
  await producer.disconnect();
}

async function newTopic(): Promise<string> {
  const topic = uniqueName('sl_so');
  topics.push(topic);
  await createTopic(topic, PARTITIONS);
  return topic;
}

async function tableRows(database: string, table: string): Promise<string[]> {
  const ch = clickhouse();
  const res = await ch.query({
    query: `SELECT * FROM ${database}.${table} FINAL WHERE NOT retracted AND user NOT LIKE 'sentinel-%' ORDER BY tuple(*)`,
    format: 'JSONEachRow',
  });
  const rows = (await res.json()) as Record<string, unknown>[];
  await ch.close();
  // the pipeline name differs between runs: compare everything else
  return rows.map(({ pipeline: _pipeline, ...rest }) => JSON.stringify(rest));
}

const TABLES = ['w_user_1m', 'w_user_region_5m', 'w_user_session'];

async function expectSameTables(clean: string, database: string): Promise<void> {
  for (const table of TABLES) {
    const want = await tableRows(clean, table);
    const got = await tableRows(database, table);
    expect(want.length, table).toBeGreaterThan(100);
    const gotSet = new Set(got);
    const wantSet = new Set(want);
    expect(
      got.length,
      `${table}: missing ${JSON.stringify(want.filter((r) => !gotSet.has(r)).slice(0, 4))} extra ${JSON.stringify(got.filter((r) => !wantSet.has(r)).slice(0, 4))}`,
    ).toBe(want.length);
    const diff = got.filter((r, i) => r !== want[i]).slice(0, 3);
    expect(diff, `${table}: first differing rows`).toEqual([]);
  }
}

/** One instance in-process until it has read everything: the expected tables. */
async function cleanRun(topic: string): Promise<string> {
  const database = uniqueName('sl_so_clean');
  const dir = mkdtempSync(join(tmpdir(), 'so-clean-'));
  const cfg = pipelineConfig(topic, database, uniqueName('g'), dir);
  (cfg.source as { stopWhenIdleMs?: number }).stopWhenIdleMs = 3000;
  const service = await startService(parseConfig(cfg, {}), { api: false, metrics: new Metrics(false) });
  await service.done;
  await service.stop();
  return database;
}

interface Instance {
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** Partitions of the instance's latest assignment. */
  assigned: () => string[];
}

function startInstance(configFile: string): Instance {
  const proc = spawn(process.execPath, [BIN, 'run', '-c', configFile], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line });
    }
  });
  proc.stderr!.on('data', (d: Buffer) => logs.push({ msg: d.toString() }));
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  const assigned = (): string[] => {
    const last = logs.filter((l) => l.msg === 'partitions assigned').at(-1);
    return (last?.partitions as string[] | undefined) ?? [];
  };
  const instance = { proc, logs, exited, assigned };
  instances.push(instance);
  return instance;
}

const instances: Instance[] = [];

/** What went wrong in the instances, for a failure message. */
function instanceTrouble(): string {
  return instances
    .map(
      (x, i) =>
        `instance ${i}: ${JSON.stringify(x.logs.filter((l) => Number(l.level ?? 50) >= 40 || l.msg === 'partitions assigned').slice(-8))}`,
    )
    .join('\n');
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${instanceTrouble()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** True when the group has committed every partition to its end. */
async function committedToEnd(topic: string, group: string): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return ends.every((end) => {
      const c = committed!.partitions.find((p) => p.partition === end.partition);
      return c !== undefined && c.offset === end.offset;
    });
  } finally {
    await admin.disconnect();
  }
}

/** True when the group has committed an offset above 0 in each of `partitions` (`topic:n`). */
async function committedAbove(topic: string, group: string, partitions: string[]): Promise<boolean> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return partitions.every((key) => {
      const c = committed!.partitions.find((p) => `${topic}:${p.partition}` === key);
      return c !== undefined && Number(c.offset) > 0;
    });
  } finally {
    await admin.disconnect();
  }
}

function configFileFor(topic: string, database: string, group: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'so-'));
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(file, stringify(pipelineConfig(topic, database, group, dir)));
  return file;
}

beforeAll(async () => {
  await requireServices(['kafka', 'clickhouse', 'redis']);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await dropDatabases(databases);
  await deleteTopics(topics);
});

/** Two instances of one pipeline in one consumer group, each holding 2 of the 4 partitions before any data. */
async function startPair(
  prefix: string,
): Promise<{ topic: string; group: string; database: string; a: Instance; b: Instance }> {
  const topic = await newTopic();
  const group = uniqueName('g');
  const database = uniqueName(prefix);
  const file = configFileFor(topic, database, group);
  const a = startInstance(file);
  const b = startInstance(file);
  await until(
    'both instances to hold 2 partitions',
    () => a.assigned().length === 2 && b.assigned().length === 2,
    60_000,
  );
  return { topic, group, database, a, b };
}

describe('scale-out: instances in one consumer group share the partitions', () => {
  it('two instances write the same tables as one', async () => {
    // both joined before any data: each must do a share of the work
    const { topic, group, database, a, b } = await startPair('sl_so_two');
    await produceInput(topic);
    await until('the group to commit every partition to its end', () => committedToEnd(topic, group), 90_000);
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    await expectSameTables(await cleanRun(topic), database);
  });

  it('when one is SIGKILLed mid-run, the other takes its partitions with their state; tables stay exact', async () => {
    // both joined before any data: each must do a share of the work
    const { topic, group, database, a, b } = await startPair('sl_so_kill');
    // the second half of the input comes after A's death, so every partition of A's has records
    // left for B (which opens a partition's task, restoring its checkpoint, at its first record)
    let openGate!: () => void;
    const producing = produceInput(topic, new Promise<void>((resolve) => (openGate = resolve)));
    // kill A once it has checkpointed (and committed) both its partitions, at a seeded moment after
    await until('A to commit its partitions', () => committedAbove(topic, group, a.assigned()), 60_000);
    await new Promise((r) => setTimeout(r, new Random(31).int(1500)));
    const aPartitions = a.assigned();
    a.proc.kill('SIGKILL');
    await a.exited;
    openGate();
    await producing;
    await until('B to take all 4 partitions', () => b.assigned().length === PARTITIONS, 60_000);
    await until('the group to commit every partition to its end', () => committedToEnd(topic, group), 90_000);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    // B restored A's two partitions from A's checkpoints
    const restored = b.logs.filter((l) => l.msg === 'restored state').map((l) => l.checkpoint as string);
    for (const p of aPartitions)
      expect(
        restored.some((c) => c.endsWith(`.${p}`)),
        p,
      ).toBe(true);
    await expectSameTables(await cleanRun(topic), database);
  });
});
