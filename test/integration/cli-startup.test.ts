import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clickhouse,
  CLICKHOUSE_URL,
  kafka,
  KAFKA_BROKERS,
  REDIS_URL,
  requireServices,
  uniqueName,
} from './helpers/services.js';
import { readDeadLetters } from './helpers/pipeline-checks.js';
import { deleteTopics } from './helpers/seeded-input.js';

/**
 * Issue #7: configuration mistakes and unreachable services stop `streamlearn run` at start, with
 * a message naming the field, and never half-start it: no API port opened, no table created, no
 * lease taken. Run as a user runs it: the built bin as a child process.
 */
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const BIN = join(ROOT, 'bin', 'streamlearn.js');
/** A loopback port nothing listens on: connections are refused at once. */
const CLOSED = '127.0.0.1:1';
const STARTUP_TIMEOUT_MS = 2_000;
/** A raw config object a test edits before it is written (validation is what is under test). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;

/** The child's environment: no connection overrides, so the config file alone decides. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  for (const name of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'REDIS_URL', 'PORT', 'VITEST']) delete env[name];
  return env;
}

function freePort(): number {
  return 19_000 + Math.floor(Math.random() * 1000);
}

/** A pipeline on the real services that would start cleanly; `change` injects one mistake. */
function pipelineConfig(port: number, change: (cfg: Raw) => void = () => undefined): object {
  const name = uniqueName('startup');
  const cfg: Raw = {
    pipeline: name,
    source: { type: 'kafka', brokers: KAFKA_BROKERS, topic: `${name}_events`, groupId: `${name}-group` },
    schema: { fields: { region: 'string', amount: 'number', x1: 'number', label: 'boolean' } },
    windows: [
      {
        name: 'region_1m',
        type: 'tumbling',
        size: '1m',
        groupBy: ['region'],
        aggregates: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
      },
    ],
    sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database: name },
    deadLetter: { type: 'kafka' },
    checkpoint: { store: 'redis', redisUrl: REDIS_URL },
    api: { enabled: true, port },
    startupTimeout: STARTUP_TIMEOUT_MS,
  };
  change(cfg);
  return cfg;
}

function writeConfig(cfg: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sl-startup-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(cfg, null, 2)); // JSON is YAML
  return file;
}

/** Whether something accepts connections on the port right now. */
function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', () => res(false));
  });
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli.js')))
    throw new Error('dist/ is missing: run `npm run build` first (scripts/test-all.sh does)');
  await requireServices(['kafka', 'clickhouse', 'redis']);
});

describe('streamlearn run: configuration mistakes fail at start naming the field', () => {
  const learner = { features: { numeric: ['amount', 'x1'] }, model: { type: 'logistic-regression' } };
  it.each<[string, (cfg: Raw) => void, string]>([
    ['unknown window type', (c) => (c.windows[0].type = 'sliding'), 'windows[0].type'],
    ['negative size', (c) => (c.windows[0].size = -60_000), 'windows[0].size'],
    ['zero size', (c) => (c.windows[0].size = 0), 'windows[0].size: must be greater than 0'],
    [
      'slide larger than size',
      (c) => Object.assign(c.windows[0], { type: 'hopping', slide: '2m' }),
      'windows[0].slide: slide must not exceed size',
    ],
    ['missing label with a learner', (c) => (c.learner = learner), 'learner.label: is required'],
    [
      'feature not in the schema',
      (c) => (c.learner = { ...learner, label: 'label', features: { numeric: ['price'] } }),
      'learner.features.numeric[0]: field "price" is not declared',
    ],
    [
      'unknown aggregate',
      (c) => (c.windows[0].aggregates[1].fn = 'median'),
      'windows[0].aggregates[1].fn: unknown aggregate "median"',
    ],
    [
      'group-by field not in the schema',
      (c) => (c.windows[0].groupBy = ['country']),
      'windows[0].groupBy[0]: field "country" is not declared',
    ],
    [
      'broker without a port',
      (c) => (c.source.brokers = ['localhost']),
      'source.brokers[0]: must be host:port',
    ],
  ])('%s', (_, change, field) => {
    const port = freePort();
    const r = spawnSync(
      process.execPath,
      [BIN, 'run', '--config', writeConfig(pipelineConfig(port, change))],
      {
        encoding: 'utf8',
        env: childEnv(),
        timeout: 30_000,
      },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(field);
    expect(r.stdout).not.toContain('listening'); // nothing started: no log line past validation
  });
});

describe('streamlearn run: an unreachable service fails the start within startupTimeout', () => {
  it.each<[string, (cfg: Raw) => void, string]>([
    ['Kafka', (c) => (c.source.brokers = [CLOSED]), `source.brokers: Kafka at ${CLOSED} did not answer`],
    [
      'ClickHouse',
      (c) => (c.sink.url = `http://${CLOSED}`),
      `sink.url: ClickHouse at http://${CLOSED} did not answer`,
    ],
    [
      'Redis',
      (c) => (c.checkpoint.redisUrl = `redis://${CLOSED}`),
      `checkpoint.redisUrl: Redis at redis://${CLOSED} did not answer`,
    ],
  ])('%s', async (_, change, message) => {
    const port = freePort();
    const cfg = pipelineConfig(port, change) as { pipeline: string; sink: { database: string } };
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'run', '--config', writeConfig(cfg)], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // while it waits for the service, the API port must stay closed
    let opened = false;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      if (await listening(port)) opened = true;
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = await exited;
    const elapsed = Date.now() - started;

    expect(code, stderr).toBe(1);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`within ${STARTUP_TIMEOUT_MS} ms`);
    expect(opened, 'the API port was opened').toBe(false);
    expect(stdout).not.toContain('HTTP API listening');
    // bounded: the timeout, plus process start and one last probe
    expect(elapsed).toBeLessThan(STARTUP_TIMEOUT_MS + 20_000);

    // nothing was created or taken on the services that were reachable
    const ch = clickhouse();
    const dbs = await (
      await ch.query({
        query: `SELECT name FROM system.databases WHERE name = '${cfg.sink.database}'`,
        format: 'JSONEachRow',
      })
    ).json();
    await ch.close();
    expect(dbs, 'the sink database was created').toEqual([]);
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    const [, keys] = await redis.scan('0', 'MATCH', `*${cfg.pipeline}*`, 'COUNT', 100_000);
    redis.disconnect();
    expect(keys, 'a lease or checkpoint was written').toEqual([]);
    const admin = kafka().admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(
      topics.filter((t) => t.startsWith(cfg.pipeline)),
      'a topic was created',
    ).toEqual([]);
  });
});

describe('streamlearn run: when every service answers', () => {
  it('starts, reads to the end, dead-letters to Kafka and exits 0', async () => {
    const cfg = pipelineConfig(freePort(), (c) => {
      c.api.enabled = false;
      c.source.stopWhenIdleMs = 3000;
    }) as { pipeline: string; source: { topic: string }; sink: { database: string } };
    const { topic } = cfg.source;
    try {
      const admin = kafka().admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka().producer();
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { value: JSON.stringify({ ts: 1_000, region: 'eu', amount: 1, x1: 0, label: true }) },
          { value: '{"ts": 2000, "region": "eu"' },
          { value: JSON.stringify({ ts: 3_000, region: 'us', amount: 2, x1: 0, label: false }) },
        ],
      });
      await producer.disconnect();
      const r = spawnSync(process.execPath, [BIN, 'run', '--config', writeConfig(cfg)], {
        encoding: 'utf8',
        env: childEnv(),
        timeout: 120_000,
      });
      expect(r.status, r.stderr + r.stdout.slice(-2000)).toBe(0);
      const letters = await readDeadLetters(`${topic}.dlq`, 1);
      expect(letters[0]!.reason).toBe('not_json');
    } finally {
      await deleteTopics([topic, `${topic}.dlq`]);
      const ch = clickhouse();
      await ch.command({ query: `DROP DATABASE IF EXISTS ${cfg.sink.database}` });
      await ch.close();
    }
  });
});
