import type { GeneratorSourceConfig } from '../../../src/core/config/index.js';
import { EventGenerator } from '../../../src/ingest/generator.js';
import { kafka } from './services.js';

/** A Kafka message of the known input: key = the event's user, value = the event as JSON. */
export interface InputMessage {
  key: string;
  value: string;
}

/**
 * The next `n` events of a seeded generator as Kafka messages. Keys decide partitions, so the
 * same messages produced to any fresh topic (at once or in parts) give every partition the same
 * records at the same offsets.
 */
export function generatorMessages(generator: EventGenerator, n: number): InputMessage[] {
  const out: InputMessage[] = [];
  for (let i = 0; i < n; i++) {
    const e = generator.next();
    out.push({ key: e.user as string, value: JSON.stringify(e) });
  }
  return out;
}

/** A generator over the config's stream (its `events` and `rate` are ignored). */
export function seededGenerator(
  config: Omit<GeneratorSourceConfig, 'type' | 'events' | 'rate'>,
): EventGenerator {
  return new EventGenerator({ ...config, type: 'generator', events: 0, rate: 0 });
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/**
 * Produces the messages in order (idempotent producer, one request in flight, all replicas
 * acknowledging), so each partition receives its records in the order given.
 */
export async function produceMessages(
  topic: string,
  messages: readonly InputMessage[],
  retry?: { retries: number; maxRetryTime: number },
): Promise<void> {
  const producer = kafka(retry).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2000)
      await producer.send({ topic, messages: messages.slice(i, i + 2000), acks: -1 });
  } finally {
    await producer.disconnect();
  }
}
