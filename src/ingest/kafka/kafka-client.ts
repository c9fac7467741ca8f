import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../../core/logger.js';

/** A kafkajs client whose logs go through our logger, retrying connections for a long outage. */
export function createKafka(brokers: string[], clientId: string, logger?: Logger): Kafka {
  const config: KafkaConfig = {
    brokers,
    clientId,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10 },
    logCreator: () => (entry) => {
      if (!logger) return;
      const { message, ...rest } = entry.log;
      const level =
        entry.level === logLevel.ERROR ? 'error' : entry.level === logLevel.WARN ? 'warn' : 'debug';
      logger[level]({ kafka: entry.namespace, ...rest }, message);
    },
  };
  return new Kafka(config);
}

/**
 * Creates `topic` with `partitions` (and topic-level `configs`, e.g. `max.message.bytes`) if it is
 * missing (our brokers do not auto-create topics). An existing topic is left as it is.
 */
export async function ensureTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }],
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether a consumer-group member has read its topic to the end: it holds every partition and its
 * position (what it handed out, or the group's committed offset) reaches each partition's end.
 * Idle alone is not end of input: after a crash the dead member keeps its partitions until its
 * session times out, and a pipeline busy writing is idle too.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  groupId: string,
  assigned: ReadonlySet<number>,
  consumed: ReadonlyMap<number, bigint>,
): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends.every((end) => {
      if (!assigned.has(end.partition)) return false;
      // an empty partition (or one emptied by retention) has nothing to read: it is at its end
      if (BigInt(end.high) <= BigInt(end.low)) return true;
      const c = BigInt(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
      const handedOut = consumed.get(end.partition) ?? -1n;
      return (handedOut > c ? handedOut : c) >= BigInt(end.high);
    });
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
