import type { Producer } from 'kafkajs';
import { StreamlearnError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { createKafka, ensureTopic } from '../../ingest/kafka/kafka-client.js';
import type { Alert } from './alert.js';
import type { AlertChannel } from './channel.js';

export interface KafkaChannelOptions {
  name: string;
  brokers: string[];
  topic: string;
  clientId: string;
  createPartitions: number;
  logger?: Logger;
}

/**
 * Produces each alert to a topic with an idempotent kafkajs producer (acks = all), key = alert id
 * (so a compacted topic keeps one record per id) and the id in an `x-streamlearn-alert-id` header.
 * Connects lazily; failures are retriable and the outbox retries them.
 */
export class KafkaChannel implements AlertChannel {
  readonly type = 'kafka';
  readonly name: string;
  private producer: Producer | null = null;
  private connecting: Promise<Producer> | null = null;

  constructor(private readonly options: KafkaChannelOptions) {
    this.name = options.name;
  }

  async publish(alert: Alert): Promise<void> {
    try {
      const producer = await this.connect();
      await producer.send({
        topic: this.options.topic,
        acks: -1,
        messages: [
          {
            key: alert.id,
            value: JSON.stringify(alert),
            headers: { 'x-streamlearn-alert-id': alert.id },
          },
        ],
      });
    } catch (err) {
      throw new StreamlearnError(
        'SL_ERR_UNAVAILABLE',
        `kafka alert channel ${this.name}: ${(err as Error).message}`,
        { cause: err, retriable: true },
      );
    }
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const { brokers, clientId, topic, createPartitions, logger } = this.options;
      const kafka = createKafka(brokers, clientId, logger);
      await ensureTopic(kafka, topic, createPartitions);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await p?.disconnect();
  }
}
