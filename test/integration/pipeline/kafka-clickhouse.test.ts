import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../../src/core/config/index.js';
import type { Event } from '../../../src/core/event.js';
import { EventGenerator, GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { startService } from '../../../src/runtime/service.js';
import {
  CHECKED_REGION_WINDOW,
  expectCommittedToEnd,
  expectedRegionWindows,
  expectRegionRows,
  readDeadLetters,
} from '../helpers/pipeline-checks.js';
import {
  clickhouse,
  CLICKHOUSE_URL,
  kafka,
  REDIS_URL,
  requireServices,
  uniqueName,
} from '../helpers/services.js';

/**
 * The foundation's end-to-end slice on the real services: a few thousand events (some malformed)
 * on a fresh 4-partition topic → decoder → event-time windows → ClickHouse, checkpoints in Redis.
 * The ClickHouse rows must equal aggregates computed here independently, every malformed record
 * must be in the `<topic>.dlq` topic with its reason, and the group's offsets must be committed.
 */
const MALFORMED: [string | null, string][] = [
  ['not json at all', 'not_json'],
  ['{"ts": 1767225600000, "user": "u1"', 'not_json'],
  ['[1,2,3]', 'not_object'],
  ['', 'empty'],
  [null, 'empty'],
  [
    '{"user":"u1","region":"eu","device":"mobile","amount":1,"latency_ms":1,"x1":0,"x2":0,"x3":0,"x4":0,"label":true}',
    'missing_time',
  ],
  [
    '{"ts":1767225600000,"user":"u1","region":"eu","device":"mobile","amount":"12","latency_ms":1,"x1":0,"x2":0,"x3":0,"x4":0,"label":true}',
    'wrong_type',
  ],
  [
    '{"ts":1767225600000,"user":"u1","region":"eu","device":"mobile","amount":1e999,"latency_ms":1,"x1":0,"x2":0,"x3":0,"x4":0,"label":true}',
    'not_finite',
  ],
  ['\uFEFF{"ts":1767225600000}', 'not_json'],
  ['{"ts":"soon","user":"u1"}', 'bad_time'],
];

const topic = uniqueName('sl_it');
const database = uniqueName('sl_it');
const pipeline = uniqueName('it');
const events: Event[] = [];

function config(): PipelineConfig {
  return parseConfig(
    {
      pipeline,
      source: {
        type: 'kafka',
        topic,
        groupId: `${pipeline}-group`,
        createPartitions: 4,
        stopWhenIdleMs: 4000,
      },
      schema: GENERATOR_SCHEMA,
      windows: [CHECKED_REGION_WINDOW],
      sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database },
      deadLetter: { type: 'kafka' },
      checkpoint: { store: 'redis', redisUrl: REDIS_URL, interval: 500 },
      api: { enabled: false },
    },
    {},
  );
}

beforeAll(async () => {
  await requireServices(['kafka', 'clickhouse', 'redis']);
  const gen = new EventGenerator({
    type: 'generator',
    seed: 11,
    events: 3000,
    rate: 0,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 200,
    disorderMs: 0,
    keys: 50,
    partitions: 4,
  });
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 4, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages: { key: string | null; value: string | null }[] = [];
  while (!gen.done) {
    const e = gen.next();
    events.push(e);
    messages.push({ key: e.user as string, value: JSON.stringify(e) });
    // a malformed record every 300 events, keyed so it lands among good ones
    if (events.length % 300 === 0) {
      const [value] = MALFORMED[(events.length / 300 - 1) % MALFORMED.length]!;
      messages.push({ key: e.user as string, value });
    }
  }
  for (let i = 0; i < messages.length; i += 500)
    await producer.send({ topic, messages: messages.slice(i, i + 500), acks: -1 });
  await producer.disconnect();
});

afterAll(async () => {
  const ch = clickhouse();
  await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await ch.close();
  const admin = kafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  await admin.disconnect();
});

describe('Kafka → windows → ClickHouse on the real services', () => {
  it('writes exactly the independently computed aggregates, dead-letters every malformed record, commits offsets', async () => {
    const service = await startService(config(), { api: false, metrics: new Metrics(false) });
    const stats = await service.done;
    await service.stop();
    expect(stats.accepted).toBe(events.length);
    expect(stats.rejected).toBe(MALFORMED.length);
    expect(stats.late).toBe(0);

    await expectRegionRows(database, 'w_region_1m', expectedRegionWindows(events, 60_000));

    // every malformed record is in the DLQ topic with its reason and original bytes
    const letters = await readDeadLetters(`${topic}.dlq`, MALFORMED.length);
    const got = letters.map((l) => `${l.reason}:${l.value ? l.value.toString('utf8') : ''}`).sort();
    const want = MALFORMED.map(([v, reason]) => `${reason}:${v ?? ''}`).sort();
    expect(got).toEqual(want);

    // offsets committed up to the end of every partition
    await expectCommittedToEnd(topic, `${pipeline}-group`);
  });
});
