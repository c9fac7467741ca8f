import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaSourceSchema } from '../../../src/core/config/index.js';
import { createKafka, ensureTopic } from '../../../src/ingest/kafka/kafka-client.js';
import { RdkafkaSource } from '../../../src/ingest/kafka/rdkafka-source.js';
import { KAFKA_BROKERS, requireServices, uniqueName } from '../helpers/services.js';
import { drainSource, positionsAfter } from '../helpers/source-drain.js';

// node-rdkafka is optional (a native build): without it there is nothing to test here.
const installed = (() => {
  try {
    createRequire(import.meta.url)('node-rdkafka');
    return true;
  } catch {
    return false;
  }
})();

const topic = uniqueName('rdk');
const groupId = uniqueName('rdk_group');
const kafka = createKafka(KAFKA_BROKERS, 'rdkafka-source-test');

async function produce(from: number, n: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: n }, (_, i) => ({
    key: `k${(from + i) % 7}`,
    value: JSON.stringify({ ts: 1_000 + from + i, i: from + i }),
  }));
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
}

function source(): RdkafkaSource {
  return new RdkafkaSource(
    kafkaSourceSchema.parse({ type: 'kafka', brokers: KAFKA_BROKERS, topic, groupId, stopWhenIdleMs: 2_000 }),
  );
}

describe('RdkafkaSource (node-rdkafka) on the real Kafka', () => {
  beforeAll(async () => {
    // an optional dependency, but part of the product: its absence fails the suite, never skips it
    if (!installed)
      throw new Error(
        'node-rdkafka is not installed (npm install builds it; see package.json optionalDependencies)',
      );
    await requireServices(['kafka']);
    await ensureTopic(kafka, topic, 2);
    await produce(0, 100);
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('consumes every record in offset order per partition, heartbeats while idle, and commits', async () => {
    const s = source();
    const assigned: number[] = [];
    await s.start(undefined, { onAssigned: (ps) => void assigned.push(...ps.map((p) => p.partition)) });
    const { records, empty } = await drainSource(s);
    expect(records).toHaveLength(100);
    expect(empty).toBeGreaterThan(0); // the idle wait came as empty batches
    expect(new Set(records.map((r) => JSON.parse(Buffer.from(r.value!).toString()).i)).size).toBe(100);
    for (const p of [0, 1]) {
      const offsets = records.filter((r) => r.partition === p).map((r) => Number(r.offset));
      expect(offsets).toEqual(offsets.map((_, i) => i)); // 0, 1, 2, … with no gap or repeat
    }
    expect(assigned.sort()).toEqual([0, 1]);
    await s.ping();
    await s.commit(positionsAfter(topic, records));
    await s.close();

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const total = committed!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(100);
  });

  it('resumes the group from the committed offsets: only new records are read', async () => {
    await produce(100, 10);
    const s = source();
    await s.start();
    const { records } = await drainSource(s);
    await s.close();
    expect(records.map((r) => JSON.parse(Buffer.from(r.value!).toString()).i).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => 100 + i),
    );
  });
});
