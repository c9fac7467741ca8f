import { createHash } from 'node:crypto';
import type { Kafka, Message, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/ingest/dead-letter.js';
import { KafkaDeadLetterOutput } from '../../src/ingest/kafka/kafka-dead-letter.js';

/**
 * The Kafka dead-letter output against a fake client: what it sends, in how many requests, and
 * how it keeps values that do not fit. (The real broker path is in
 * test/integration/ingest/hostile-input.test.ts.)
 */
interface FakeKafka {
  kafka: Kafka;
  sends: Message[][];
  created: { topic: string; configEntries?: { name: string; value: string }[] }[];
  failNextSend: boolean;
}

/** A broker whose dead-letter topic exists with `topicLimit` as `max.message.bytes` (or is created). */
function fakeKafka(topicLimit?: number): FakeKafka {
  const fake: FakeKafka = { kafka: null as unknown as Kafka, sends: [], created: [], failNextSend: false };
  let limit = topicLimit;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => (limit === undefined ? [] : ['t.dlq']),
    createTopics: async ({ topics }: { topics: FakeKafka['created'] }) => {
      fake.created.push(...topics);
      limit = Number(topics[0]!.configEntries?.find((e) => e.name === 'max.message.bytes')?.value);
      return true;
    },
    describeConfigs: async () => ({
      resources: [{ configEntries: [{ configName: 'max.message.bytes', configValue: String(limit) }] }],
    }),
  };
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (record: ProducerRecord) => {
      if (fake.failNextSend) {
        fake.failNextSend = false;
        throw new Error('broker went away');
      }
      fake.sends.push(record.messages);
      return [];
    },
  };
  fake.kafka = { admin: () => admin, producer: () => producer } as unknown as Kafka;
  return fake;
}

function letter(value: Uint8Array | null, offset = '7'): DeadLetter {
  return {
    reason: 'oversized',
    detail: 'too big',
    topic: 't',
    partition: 0,
    offset,
    key: Buffer.from('k'),
    value,
  };
}

const bytesOf = (messages: Message[]): number =>
  messages.reduce((n, m) => n + ((m.value as Buffer | null)?.length ?? 0), 0);

describe('KafkaDeadLetterOutput', () => {
  it('creates its topic able to hold maxValueBytes and keeps values that fit whole', async () => {
    const fake = fakeKafka();
    const out = new KafkaDeadLetterOutput(fake.kafka, 't.dlq', 1000);
    const value = Buffer.from('{"ts": oops');
    out.add(letter(value));
    out.add(letter(null, '8')); // a tombstone stays a tombstone
    await out.flush();
    expect(fake.created[0]!.configEntries).toEqual([
      { name: 'max.message.bytes', value: String(1000 + 65536) },
    ]);
    expect(fake.sends).toHaveLength(1);
    const [m, tombstone] = fake.sends[0]!;
    expect(m!.value).toEqual(value);
    expect(m!.headers).toMatchObject({ reason: 'oversized', 'source-offset': '7' });
    expect(m!.headers).not.toHaveProperty('value-truncated');
    expect(tombstone!.value).toBeNull();
  });

  it('keeps a prefix of a longer value, with its length and SHA-256 in headers', async () => {
    const fake = fakeKafka();
    const out = new KafkaDeadLetterOutput(fake.kafka, 't.dlq', 1000);
    const value = Buffer.alloc(5000, 'x');
    out.add(letter(value));
    await out.flush();
    const m = fake.sends[0]![0]!;
    expect(m.value).toEqual(value.subarray(0, 1000));
    expect(m.headers).toMatchObject({
      'value-truncated': 'true',
      'value-bytes': '5000',
      'value-sha256': createHash('sha256').update(value).digest('hex'),
    });
  });

  it('splits a flush into sends under the topic limit, and never resends what was sent', async () => {
    const fake = fakeKafka(200_000); // an existing topic with a lower limit than ours
    const out = new KafkaDeadLetterOutput(fake.kafka, 't.dlq', 150_000);
    for (let i = 0; i < 5; i++) out.add(letter(Buffer.alloc(90_000, i), String(i)));
    await out.flush();
    expect(fake.sends.map((s) => s.length)).toEqual([2, 2, 1]);
    for (const s of fake.sends) expect(bytesOf(s)).toBeLessThanOrEqual(200_000);
    expect(fake.sends.flat().map((m) => (m.headers as Record<string, string>)['source-offset'])).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);

    fake.sends.length = 0;
    out.add(letter(Buffer.alloc(90_000), '5'));
    out.add(letter(Buffer.alloc(150_000), '6'));
    fake.failNextSend = true;
    await expect(out.flush()).rejects.toMatchObject({ code: 'SL_ERR_SINK', retriable: true });
    await out.flush(); // the retry sends each pending letter once
    expect(fake.sends.flat().map((m) => (m.headers as Record<string, string>)['source-offset'])).toEqual([
      '5',
      '6',
    ]);
  });

  it('shortens a value that the existing topic could not hold rather than stall', async () => {
    const fake = fakeKafka(100_000);
    const out = new KafkaDeadLetterOutput(fake.kafka, 't.dlq', 1_048_576);
    out.add(letter(Buffer.alloc(500_000, 'y')));
    await out.flush();
    const m = fake.sends[0]![0]!;
    expect((m.value as Buffer).length).toBe(100_000 - 65_536);
    expect(m.headers).toMatchObject({ 'value-truncated': 'true', 'value-bytes': '500000' });
  });
});
