import type { Kafka, Message, Producer } from 'kafkajs';
import { StreamlearnError } from '../../core/errors.js';
import type { DeadLetter, DeadLetterOutput } from '../dead-letter.js';
import { ensureTopic } from './kafka-client.js';

/**
 * Dead letters to a Kafka topic (`<topic>.dlq` by default): the original key and bytes as the
 * message, the reason, detail and source position as headers. `flush` waits for all replicas.
 */
export class KafkaDeadLetterOutput implements DeadLetterOutput {
  readonly kind = 'kafka';
  readonly counts = new Map<string, number>();
  private pending: Message[] = [];
  private producer: Producer | null = null;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
  ) {}

  add(letter: DeadLetter): void {
    this.counts.set(letter.reason, (this.counts.get(letter.reason) ?? 0) + 1);
    const headers: Record<string, string> = {
      reason: letter.reason,
      detail: letter.detail,
      'source-topic': letter.topic,
      'source-partition': String(letter.partition),
      'source-offset': letter.offset,
    };
    if (letter.extra) headers.extra = JSON.stringify(letter.extra);
    this.pending.push({
      key: letter.key ? Buffer.from(letter.key) : null,
      value: letter.value ? Buffer.from(letter.value) : null,
      headers,
    });
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const messages = this.pending.slice();
    try {
      const producer = await this.connect();
      await producer.send({ topic: this.topic, messages, acks: -1 });
      this.pending = this.pending.slice(messages.length);
    } catch (err) {
      throw new StreamlearnError(
        'SL_ERR_SINK',
        `dead-letter topic ${this.topic}: ${(err as Error).message}`,
        { cause: err, retriable: true },
      );
    }
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Producer> {
    if (!this.producer) {
      await ensureTopic(this.kafka, this.topic, 1);
      const producer = this.kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
