import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaChannel, makeAlert, Outbox, type Alert } from '../../../src/drift/alerts/index.js';
import { createKafka } from '../../../src/ingest/kafka/kafka-client.js';

// Against the real broker (scripts/services.sh up); fails, never skips, when it is down.
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const TOPIC = `sl-alerts-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

function alert(i: number): Alert {
  return makeAlert({
    pipeline: 'it',
    kind: 'feature',
    feature: `f${i}`,
    measure: 'psi',
    state: 'drift',
    value: 0.4,
    threshold: 0.25,
    reference: { start: 0, end: 1, count: 2 },
    current: { start: 10 + i, end: 20 + i, count: 2 },
    eventTime: 20 + i,
  });
}

describe('Kafka alert channel (real broker)', () => {
  const channel = new KafkaChannel({
    name: 'kafka',
    brokers: BROKERS,
    topic: TOPIC,
    clientId: 'sl-it',
    createPartitions: 1,
  });
  afterAll(async () => {
    await channel.close();
  });

  it('delivers each alert once, key = alert id, through the outbox, across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-kafka-outbox-'));
    const alerts = [alert(1), alert(2), alert(3)];
    const first = await Outbox.open({ dir, channel, maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 });
    await first.enqueue(alerts);
    first.start();
    await first.drain(60_000);
    await first.close();
    const second = await Outbox.open({ dir, channel, maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 });
    expect(await second.enqueue([...alerts, alert(4)])).toBe(1); // a replay: only the new one
    second.start();
    await second.drain(60_000);
    await second.close();

    const kafka = createKafka(BROKERS, 'sl-it-reader');
    const consumer = kafka.consumer({ groupId: `${TOPIC}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const got: { key: string; value: Alert; header: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} messages`)), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push({
            key: message.key!.toString(),
            value: JSON.parse(message.value!.toString()) as Alert,
            header: message.headers!['x-streamlearn-alert-id']!.toString(),
          });
          if (got.length === 4) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 1000)); // nothing more arrives
    await consumer.disconnect();
    expect(got).toHaveLength(4);
    expect(got.map((m) => m.key)).toEqual([...alerts, alert(4)].map((a) => a.id));
    for (const m of got) {
      expect(m.value.id).toBe(m.key);
      expect(m.header).toBe(m.key);
    }
  });
});
