import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaSourceSchema } from '../../../src/core/config/index.js';
import type { Logger } from '../../../src/core/logger.js';
import { createSource } from '../../../src/ingest/index.js';
import { createKafka, ensureTopic } from '../../../src/ingest/kafka/kafka-client.js';
import { KafkaWorkerSource } from '../../../src/ingest/kafka/kafka-worker-source.js';
import { KAFKA_BROKERS, requireServices, uniqueName } from '../helpers/services.js';
import { drainSource, positionsAfter, type SeenRecord } from '../helpers/source-drain.js';

const topic = uniqueName('kw');
const groupId = uniqueName('kw_group');
const kafka = createKafka(KAFKA_BROKERS, 'kafka-worker-source-test');

/** `n` records from `from`: every 10th without a key, every 25th a tombstone (null value). */
async function produce(from: number, n: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      key: i % 10 === 0 ? null : `k${i % 7}`,
      value: i % 25 === 0 ? null : JSON.stringify({ ts: 1_000 + i, i, s: 'é'.repeat(i % 5) }),
      partition: i % 3,
    };
  });
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
}

function source(logger?: Logger): KafkaWorkerSource {
  const cfg = kafkaSourceSchema.parse({
    type: 'kafka',
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    stopWhenIdleMs: 2_000,
  });
  return new KafkaWorkerSource(cfg, logger);
}

const indexOf = (r: SeenRecord): number => {
  if (r.value !== null) return (JSON.parse(Buffer.from(r.value).toString('utf8')) as { i: number }).i;
  return -1;
};

describe('KafkaWorkerSource (kafkajs on a worker thread) on the real Kafka', () => {
  beforeAll(async () => {
    await requireServices(['kafka']);
    await ensureTopic(kafka, topic, 3);
    await produce(0, 300);
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('is the default Kafka source, and `thread: main` keeps kafkajs on the main thread', () => {
    const base = { type: 'kafka', brokers: KAFKA_BROKERS, topic, groupId };
    expect(createSource(kafkaSourceSchema.parse(base))).toBeInstanceOf(KafkaWorkerSource);
    expect(createSource(kafkaSourceSchema.parse({ ...base, thread: 'main' }))).not.toBeInstanceOf(
      KafkaWorkerSource,
    );
  });

  it('hands over every record as produced (keys, null keys, tombstones, UTF-8) in offset order, and commits', async () => {
    const logs: string[] = [];
    const logger = {
      warn: (_o: unknown, m: string) => logs.push(m),
      error: () => {},
      info: () => {},
      debug: () => {},
    };
    const s = source(logger as unknown as Logger);
    const assigned: number[] = [];
    await s.start(undefined, { onAssigned: (ps) => void assigned.push(...ps.map((p) => p.partition)) });
    const { records, empty } = await drainSource(s);
    expect(records).toHaveLength(300);
    expect(empty).toBeGreaterThan(0); // the idle wait came as empty batches
    expect(assigned.sort()).toEqual([0, 1, 2]);
    for (const p of [0, 1, 2]) {
      const mine = records.filter((r) => r.partition === p);
      expect(mine.map((r) => Number(r.offset))).toEqual(mine.map((_, k) => k)); // no gap, no repeat
    }
    const byIndex = new Map(records.filter((r) => r.value !== null).map((r) => [indexOf(r), r]));
    expect(byIndex.size).toBe(300 - 12); // 12 tombstones (i = 0, 25, …, 275)
    expect(records.filter((r) => r.value === null)).toHaveLength(12);
    for (const [i, r] of byIndex) {
      expect(r.partition).toBe(i % 3);
      expect(r.key === null ? null : Buffer.from(r.key).toString()).toBe(i % 10 === 0 ? null : `k${i % 7}`);
      expect(JSON.parse(Buffer.from(r.value!).toString('utf8'))).toEqual({
        ts: 1_000 + i,
        i,
        s: 'é'.repeat(i % 5),
      });
      expect(r.ts).toBeGreaterThan(0); // the broker's timestamp
    }
    await s.ping();
    await s.commit(positionsAfter(topic, records));
    await s.close();
    await expect(s.next()).resolves.toBeNull(); // closed: no more input, no error
    await s.ping(); // /readyz after the run: answered without a worker
    expect((s as unknown as { worker: unknown }).worker).toBeNull();

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(committed!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(300);
  });

  it("hands over each record's Kafka timestamp exactly (what schema.maxTimeAhead judges)", async () => {
    const timed = uniqueName('kw_ts');
    await ensureTopic(kafka, timed, 1);
    try {
      const producer = kafka.producer();
      await producer.connect();
      const t0 = Date.UTC(2026, 0, 1, 12);
      await producer.send({
        topic: timed,
        messages: [0, 5, 86_400_001].map((dt) => ({
          value: `{"ts":${t0 + dt}}`,
          timestamp: String(t0 + dt),
        })),
        acks: -1,
      });
      await producer.disconnect();
      const s = new KafkaWorkerSource(
        kafkaSourceSchema.parse({
          type: 'kafka',
          brokers: KAFKA_BROKERS,
          topic: timed,
          groupId: uniqueName('kw_ts_group'),
          stopWhenIdleMs: 1_500,
        }),
      );
      await s.start();
      const { records } = await drainSource(s);
      await s.close();
      expect(records.map((r) => r.ts)).toEqual([t0, t0 + 5, t0 + 86_400_001]);
    } finally {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [timed] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('resumes the group from the committed offsets: only new records are read', async () => {
    await produce(300, 30);
    const s = source();
    await s.start();
    const { records } = await drainSource(s);
    await s.commit(positionsAfter(topic, records));
    await s.close();
    expect(records).toHaveLength(30);
    expect(
      records
        .filter((r) => r.value !== null)
        .map(indexOf)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 30 }, (_, k) => 300 + k).filter((i) => i % 25 !== 0));
  });

  it('holds consumption back while the pipeline does not take batches (bounded hand-over)', async () => {
    await produce(330, 30);
    const s = source();
    await s.start();
    await new Promise((r) => setTimeout(r, 1_500)); // nothing taken: the worker waits for credit
    const queued = (s as unknown as { batches: unknown[] }).batches.length;
    expect(queued).toBeLessThanOrEqual(2);
    const { records } = await drainSource(s);
    await s.close();
    expect(
      records
        .filter((r) => r.value !== null)
        .map(indexOf)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 30 }, (_, k) => 330 + k).filter((i) => i % 25 !== 0));
  });

  it('a worker that dies fails next() with a retriable source error instead of hanging', async () => {
    const s = source();
    await s.start();
    await (s as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const failure = await (async () => {
      for (;;) {
        const b = await s.next(); // the batches already handed over first, then the failure
        if (b === null) return null;
      }
    })().catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'SL_ERR_SOURCE', retriable: true });
    await s.close();
  });
});
