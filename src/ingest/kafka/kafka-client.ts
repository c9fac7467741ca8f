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

/** Creates `topic` with `partitions` if it is missing (our brokers do not auto-create topics). */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
}
