import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type PipelineConfig } from '../../../src/core/config/index.js';
import type { Event } from '../../../src/core/event.js';
import { EventGenerator, GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { Metrics } from '../../../src/runtime/metrics.js';
import { startService } from '../../../src/runtime/service.js';
import {
  hostileCorpus,
  hostileHeaders,
  HOSTILE_KEYS,
  MIB,
  type HostileRecord,
} from '../../fixtures/hostile/corpus.js';
import { HOSTILE_STRINGS } from '../../sinks/hostile-strings.js';
import {
  CHECKED_REGION_WINDOW,
  expectCommittedToEnd,
  expectedRegionWindows,
  expectRegionRows,
  readDeadLetters,
} from '../helpers/pipeline-checks.js';
import { deleteTopics } from '../helpers/seeded-input.js';
import { clickhouse, CLICKHOUSE_URL, kafka, requireServices, uniqueName } from '../helpers/services.js';

/**
 * Issue #7: hostile records through a real Kafka, interleaved with good ones, read by the kafkajs
 * and the node-rdkafka source. Every hostile record must land in `<topic>.dlq` exactly once with
 * its reason and bytes (5 MiB ones as a marked prefix), every good record must be counted in the
 * windows exactly, offsets must be committed to the end, and memory must not keep what went by.
 */

const PARTITIONS = 3;
const GOOD_EVENTS = 1_500;
/** 5 MiB records per run: 60 MiB through the pipeline, far more than the allowed memory growth. */
const HUGE_COPIES = 12;
/** Heap + buffers the process may keep after a run and a full GC (it read 60+ MiB of hostile input). */
const RETAINED_BOUND_BYTES = 32 * MIB;
/** `deadLetter.maxValueBytes` (the default): longer values are kept as a marked prefix. */
const DLQ_MAX_VALUE_BYTES = 1_048_576;
/** The source topic must accept the 5 MiB records (the broker default is 1 MB). */
const TOPIC_MAX_MESSAGE_BYTES = 16 * MIB;

const rdkafkaInstalled = (() => {
  try {
    createRequire(import.meta.url)('node-rdkafka');
    return true;
  } catch {
    return false;
  }
})();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus Buffer memory after a full collection. */
function retainedBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** What the dead-letter topic must hold for a hostile record, as one comparable string. */
function expectedLetter(r: HostileRecord): string {
  const key = r.key === null ? 'null' : r.key.toString('hex');
  if (r.value === null) return `${r.reason}|${key}|null`;
  if (r.value.length <= DLQ_MAX_VALUE_BYTES) return `${r.reason}|${key}|${sha256(r.value)}`;
  const prefix = sha256(r.value.subarray(0, DLQ_MAX_VALUE_BYTES));
  return `${r.reason}|${key}|${prefix}|truncated ${r.value.length} ${sha256(r.value)}`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Outgoing {
  partition: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, Buffer>;
}

/** Good events, some with hostile-but-valid text, unknown fields, keys and headers. */
function goodRecords(): { events: Event[]; messages: Outgoing[] } {
  const gen = new EventGenerator({
    type: 'generator',
    seed: 7,
    events: GOOD_EVENTS,
    rate: 0,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 200,
    disorderMs: 0,
    keys: 40,
    partitions: 1,
  });
  const events: Event[] = [];
  const messages: Outgoing[] = [];
  for (let i = 0; !gen.done; i++) {
    const e = gen.next();
    let extra: Record<string, unknown> = {};
    if (i % 37 === 0) e.region = HOSTILE_STRINGS[(i / 37) % HOSTILE_STRINGS.length]!;
    if (i % 41 === 0) extra = { unknown: { deep: [[[1]]] }, 'ключ\u0000': 'x', constructor: 'y' };
    events.push(e);
    let value = JSON.stringify({ ...e, ...extra });
    // an attempt at prototype pollution: JSON.parse makes "__proto__" an own field, ignored
    if (i % 43 === 0) value = `{"__proto__":{"polluted":"yes"},${value.slice(1)}`;
    messages.push({
      partition: i % PARTITIONS, // ts grows with i, so each partition stays in event-time order
      key: i % 5 === 0 ? HOSTILE_KEYS[i % HOSTILE_KEYS.length]! : String(e.user),
      value,
      headers: hostileHeaders(i),
    });
  }
  return { events, messages };
}

/** Produces in order; large records alone, since the broker limits a whole batch, not a message. */
async function produce(topic: string, messages: Outgoing[]): Promise<void> {
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let chunk: Outgoing[] = [];
  const send = async (): Promise<void> => {
    if (chunk.length > 0) await producer.send({ topic, messages: chunk, acks: -1 });
    chunk = [];
  };
  for (const m of messages) {
    if ((m.value?.length ?? 0) > 100_000) {
      await send();
      chunk = [m];
      await send();
    } else {
      chunk.push(m);
      if (chunk.length === 200) await send();
    }
  }
  await send();
  await producer.disconnect();
}

describe.each(['kafkajs', 'rdkafka'] as const)('hostile input through Kafka (%s source)', (client) => {
  const topic = uniqueName(`sl_hostile_${client}`);
  const database = uniqueName('sl_hostile');
  const pipeline = uniqueName('hostile');
  const groupId = `${pipeline}-group`;
  let events: Event[] = [];
  let expectedLetters: string[] = [];
  let hostileCount = 0;

  function config(): PipelineConfig {
    return parseConfig(
      {
        pipeline,
        source: { type: 'kafka', client, topic, groupId, createPartitions: PARTITIONS, stopWhenIdleMs: 4000 },
        schema: GENERATOR_SCHEMA,
        windows: [CHECKED_REGION_WINDOW],
        sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database },
        deadLetter: { type: 'kafka', maxValueBytes: DLQ_MAX_VALUE_BYTES },
        checkpoint: { store: 'memory', interval: 1000 },
        api: { enabled: false },
        startupTimeout: '10s',
      },
      {},
    );
  }

  beforeAll(async () => {
    // an optional dependency, but part of the product: its absence fails the suite, never skips it
    if (client === 'rdkafka' && !rdkafkaInstalled)
      throw new Error('node-rdkafka is not installed (see package.json optionalDependencies)');
    await requireServices(['kafka', 'clickhouse']);
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();

    const good = goodRecords();
    const corpus = hostileCorpus(good.events[0]!, HUGE_COPIES);
    // interleave: a hostile record after every few good ones, on the partition they go to
    const messages: Outgoing[] = [];
    const every = Math.floor(good.messages.length / (corpus.length + 1));
    good.messages.forEach((m, i) => {
      messages.push(m);
      const h = i % every === every - 1 ? corpus[(i + 1) / every - 1] : undefined;
      if (h) messages.push({ partition: m.partition, key: h.key, value: h.value, headers: h.headers });
    });
    expect(messages.length).toBe(good.messages.length + corpus.length);
    await produce(topic, messages);
    events = good.events;
    expectedLetters = corpus.map(expectedLetter).sort();
    hostileCount = corpus.length;
  });

  afterAll(async () => {
    const ch = clickhouse();
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics([topic, `${topic}.dlq`]);
  });

  it('dead-letters every hostile record once with its reason and bytes, counts every good one, commits, keeps no memory', async () => {
    const before = retainedBytes();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const rssBefore = process.memoryUsage().rss;
    const service = await startService(config(), { api: false, metrics: new Metrics(false) });
    const stats = await service.done;
    await service.stop();
    clearInterval(sampler);
    const retained = retainedBytes() - before;

    expect(stats.rejected).toBe(hostileCount);
    expect(stats.accepted).toBe(events.length);
    expect(stats.late).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    await expectRegionRows(database, 'w_region_1m', expectedRegionWindows(events, 60_000));

    const letters = await readDeadLetters(`${topic}.dlq`, hostileCount);
    const got = letters
      .map((l) => {
        expect(l.headers['source-topic']).toBe(topic);
        expect(l.headers['source-offset']).toMatch(/^\d+$/);
        const key = l.key === null ? 'null' : l.key.toString('hex');
        const value = l.value === null ? 'null' : sha256(l.value);
        const marker =
          l.headers['value-truncated'] === 'true'
            ? `|truncated ${l.headers['value-bytes']} ${l.headers['value-sha256']}`
            : '';
        return `${l.reason}|${key}|${value}${marker}`;
      })
      .sort();
    expect(got).toEqual(expectedLetters);

    await expectCommittedToEnd(topic, groupId);

    expect(
      retained,
      `kept ${(retained / MIB).toFixed(1)} MiB after the run (peak RSS +${((peakRss - rssBefore) / MIB).toFixed(0)} MiB)`,
    ).toBeLessThan(RETAINED_BOUND_BYTES);
  });
});
