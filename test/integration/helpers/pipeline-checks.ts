import { expect } from 'vitest';
import type { PipelineConfigInput } from '../../../src/core/config/index.js';
import type { Event } from '../../../src/core/event.js';
import { clickhouse, kafka } from './services.js';

/**
 * Checks shared by the end-to-end Kafka tests: aggregates computed independently of the pipeline,
 * the window rows it wrote to ClickHouse, the dead letters in its `<topic>.dlq` topic and the
 * group's committed offsets.
 */

/** The tumbling 1m window by region whose rows {@link expectRegionRows} checks (`w_region_1m`). */
export const CHECKED_REGION_WINDOW: NonNullable<PipelineConfigInput['windows']>[number] = {
  name: 'region_1m',
  type: 'tumbling',
  size: '1m',
  groupBy: ['region'],
  aggregates: [
    { fn: 'count' },
    { fn: 'sum', field: 'amount' },
    { fn: 'min', field: 'latency_ms' },
    { fn: 'max', field: 'latency_ms' },
    { fn: 'mean', field: 'amount' },
  ],
};

export interface RegionAggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Count, sum of `amount`, min and max of `latency_ms` per (region, tumbling window start). */
export function expectedRegionWindows(events: Event[], sizeMs: number): Map<string, RegionAggregate> {
  const expected = new Map<string, RegionAggregate>();
  for (const e of events) {
    const start = Math.floor(e.ts / sizeMs) * sizeMs;
    const k = `${String(e.region)}|${start}`;
    const a = expected.get(k) ?? { count: 0, sum: 0, min: Infinity, max: -Infinity };
    a.count++;
    a.sum += e.amount as number;
    a.min = Math.min(a.min, e.latency_ms as number);
    a.max = Math.max(a.max, e.latency_ms as number);
    expected.set(k, a);
  }
  return expected;
}

/**
 * Asserts the window table holds exactly the expected rows: the same set of (region, start), and
 * in each the same count, sum, mean, min and max.
 */
export async function expectRegionRows(
  database: string,
  table: string,
  expected: Map<string, RegionAggregate>,
): Promise<void> {
  const ch = clickhouse();
  const result = await ch.query({
    query: `SELECT region, toInt64(start) AS start, count, sum_amount, min_latency_ms, max_latency_ms, mean_amount FROM ${database}.${table} FINAL WHERE NOT retracted ORDER BY region, start`,
    format: 'JSONEachRow',
  });
  const rows = (await result.json()) as {
    region: string;
    start: string;
    count: string;
    sum_amount: number;
    min_latency_ms: number;
    max_latency_ms: number;
    mean_amount: number;
  }[];
  await ch.close();
  expect(rows.length).toBe(expected.size);
  for (const r of rows) {
    const e = expected.get(`${r.region}|${Number(r.start)}`);
    expect(e, `unexpected row ${JSON.stringify(r.region)} ${r.start}`).toBeDefined();
    expect(Number(r.count)).toBe(e!.count);
    expect(r.sum_amount).toBeCloseTo(e!.sum, 6);
    expect(r.mean_amount).toBeCloseTo(e!.sum / e!.count, 9);
    expect(r.min_latency_ms).toBe(e!.min);
    expect(r.max_latency_ms).toBe(e!.max);
  }
}

/** A message of a dead-letter topic: its headers as text, key and value as bytes. */
export interface DeadLetterMessage {
  reason: string;
  headers: Record<string, string>;
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * Reads a dead-letter topic from its beginning until `count` messages arrived (or fails after
 * `timeoutMs`), then checks the topic holds no more than that: each letter is there exactly once.
 */
export async function readDeadLetters(
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<DeadLetterMessage[]> {
  const client = kafka();
  const consumer = client.consumer({
    groupId: `${topic}-reader-${Date.now().toString(36)}`,
    maxBytesPerPartition: 16 << 20,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const letters: DeadLetterMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${letters.length} of ${count} dead letters arrived`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {}))
            headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
          letters.push({ reason: headers.reason ?? '', headers, key: message.key, value: message.value });
          if (letters.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  expect(
    ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
    `messages in ${topic}`,
  ).toBe(count);
  return letters;
}

/** Asserts the group committed every partition of `topic` up to its end. */
export async function expectCommittedToEnd(topic: string, groupId: string): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  for (const end of ends) {
    expect(
      committed!.partitions.find((p) => p.partition === end.partition)?.offset,
      `partition ${end.partition}`,
    ).toBe(end.offset);
  }
}
