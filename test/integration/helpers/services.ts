import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

/** Connection settings of the real services (scripts/services.sh prints the same). */
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name unique to this test run, valid as a topic, database and pipeline name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Fails (never skips) when a service the test needs is down: integration tests exist to talk to
 * the real Kafka, ClickHouse and Redis.
 */
export async function requireServices(which: ('kafka' | 'clickhouse' | 'redis')[]): Promise<void> {
  const hint = '(start them with: bash scripts/services.sh up)';
  if (which.includes('clickhouse')) {
    const res = await fetch(`${CLICKHOUSE_URL}/ping`).catch((err: unknown) => err as Error);
    if (res instanceof Error || !res.ok)
      throw new Error(`ClickHouse at ${CLICKHOUSE_URL} does not answer ${hint}`);
  }
  if (which.includes('redis')) {
    const redis = new Redis(REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      await redis.ping();
    } catch {
      throw new Error(`Redis at ${REDIS_URL} does not answer ${hint}`);
    } finally {
      redis.disconnect();
    }
  }
  if (which.includes('kafka')) {
    const admin = kafka().admin();
    try {
      await admin.connect();
      await admin.listTopics();
    } catch {
      throw new Error(`Kafka at ${KAFKA_BROKERS.join(',')} does not answer ${hint}`);
    } finally {
      await admin.disconnect();
    }
  }
}

/** A test client; `retry` overrides the default of 3 retries (e.g. to wait through a broker restart). */
export function kafka(retry: { retries: number; maxRetryTime?: number } = { retries: 3 }): Kafka {
  return new Kafka({
    brokers: KAFKA_BROKERS,
    clientId: 'streamlearn-test',
    logLevel: logLevel.NOTHING,
    retry,
  });
}

export function clickhouse(): ReturnType<typeof createClient> {
  return createClient({ url: CLICKHOUSE_URL, compression: { request: false, response: false } });
}
