import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readToEnd } from '../../src/ingest/kafka/kafka-client.js';

/** A Kafka client whose admin answers with fixed offsets (readToEnd's logic, not Kafka's). */
function fakeKafka(
  ends: { partition: number; low: string; high: string }[],
  committed: { partition: number; offset: string }[],
): Kafka {
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicOffsets: async () => ends.map((e) => ({ ...e, offset: e.high })),
    fetchOffsets: async () => [{ topic: 't', partitions: committed.map((c) => ({ ...c, metadata: null })) }],
  };
  return { admin: () => admin } as unknown as Kafka;
}

describe('readToEnd (end of input for stopWhenIdleMs)', () => {
  const ends = [
    { partition: 0, low: '0', high: '10' },
    { partition: 1, low: '0', high: '0' }, // never written to
    { partition: 2, low: '7', high: '7' }, // emptied by retention
  ];

  it('counts empty partitions as read, so a topic with one still ends', async () => {
    const kafka = fakeKafka(ends, [{ partition: 0, offset: '10' }]);
    expect(await readToEnd(kafka, 't', 'g', new Set([0, 1, 2]), new Map())).toBe(true);
  });

  it('is not at the end while a partition has records left, or is not held', async () => {
    expect(
      await readToEnd(
        fakeKafka(ends, [{ partition: 0, offset: '9' }]),
        't',
        'g',
        new Set([0, 1, 2]),
        new Map(),
      ),
    ).toBe(false);
    expect(await readToEnd(fakeKafka(ends, []), 't', 'g', new Set([0, 1, 2]), new Map([[0, 10n]]))).toBe(
      true,
    );
    expect(
      await readToEnd(
        fakeKafka(ends, [{ partition: 0, offset: '10' }]),
        't',
        'g',
        new Set([0, 2]),
        new Map(),
      ),
    ).toBe(false);
  });
});
