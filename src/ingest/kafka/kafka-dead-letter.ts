import { createHash } from 'node:crypto';
import kafkajs, { type Kafka, type Message, type Producer } from 'kafkajs';
import { StreamlearnError } from '../../core/errors.js';
import type { DeadLetter, DeadLetterOutput } from '../dead-letter.js';
import { ensureTopic } from './kafka-client.js';

// kafkajs is CommonJS: Node's ESM loader (dist/) sees only its default export's enums
const { ConfigResourceTypes } = kafkajs;

/** Default of `deadLetter.maxValueBytes`: the decoder's default `maxRecordBytes`. */
export const DEFAULT_DLQ_MAX_VALUE_BYTES = 1_048_576;
/** Room for key, headers and record framing on top of the value in one message. */
const MESSAGE_HEADROOM = 64 * 1024;

/**
 * Dead letters to a Kafka topic (`<topic>.dlq` by default): the original key and bytes as the
 * message, the reason, detail and source position as headers. `flush` waits for all replicas.
 *
 * A value over `maxValueBytes` (a record rejected as `oversized`, say) is kept as a prefix with
 * headers `value-truncated: true`, `value-bytes` (its length) and `value-sha256`; its source
 * position finds the whole record while the source topic retains it. So one huge record neither
 * holds memory until the flush nor makes the dead-letter topic refuse the batch (which would stall
 * the pipeline, retrying forever). Sends are split so no request exceeds the topic's limit.
 */
export class KafkaDeadLetterOutput implements DeadLetterOutput {
  readonly kind = 'kafka';
  readonly counts = new Map<string, number>();
  private pending: Message[] = [];
  pendingBytes = 0;
  private producer: Producer | null = null;
  /** The topic's `max.message.bytes` (known after connecting): the most bytes one send may carry. */
  private sendLimit = 0;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly maxValueBytes = DEFAULT_DLQ_MAX_VALUE_BYTES,
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
    const message: Message = {
      key: letter.key ? Buffer.from(letter.key) : null,
      value: letter.value ? keptValue(letter.value, this.maxValueBytes, headers) : null,
      headers,
    };
    this.pending.push(message);
    this.pendingBytes += sizeOf(message);
  }

  async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const producer = await this.connect();
        const messages = this.nextSend();
        await producer.send({ topic: this.topic, messages, acks: -1 });
        this.pending = this.pending.slice(messages.length); // what was sent is never sent again
        for (const m of messages) this.pendingBytes -= sizeOf(m);
      }
      this.pendingBytes = 0; // exact again (a value cut to fit a send had shrunk on the way)
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

  /**
   * The longest run of pending messages that fits one send: the broker checks `max.message.bytes`
   * against the whole record batch of a partition, not message by message.
   */
  private nextSend(): Message[] {
    let bytes = 0;
    let n = 0;
    for (const m of this.pending) {
      if (n === 0 && sizeOf(m) > this.sendLimit) {
        // a topic created elsewhere with a lower limit: keep a prefix that fits rather than stall
        const headers = m.headers as Record<string, string>;
        m.value = keptValue(m.value as Buffer, Math.max(0, this.sendLimit - MESSAGE_HEADROOM), headers);
      }
      bytes += sizeOf(m);
      if (n > 0 && bytes > this.sendLimit) break;
      n++;
    }
    return this.pending.slice(0, n);
  }

  private async connect(): Promise<Producer> {
    if (!this.producer) {
      const wanted = this.maxValueBytes + MESSAGE_HEADROOM;
      await ensureTopic(this.kafka, this.topic, 1, { 'max.message.bytes': String(wanted) });
      this.sendLimit = (await this.topicLimit()) ?? wanted;
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

  /** The topic's effective `max.message.bytes` (it may predate us, created with another limit). */
  private async topicLimit(): Promise<number | undefined> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: this.topic, configNames: ['max.message.bytes'] },
        ],
      });
      const value = Number(
        resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue,
      );
      return Number.isFinite(value) && value > 0 ? value : undefined;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** The value as stored: whole when it fits `limit`, else a prefix, marking the headers. */
function keptValue(value: Uint8Array, limit: number, headers: Record<string, string>): Buffer {
  if (value.length <= limit) return Buffer.from(value);
  headers['value-truncated'] = 'true';
  headers['value-bytes'] = String(value.length);
  headers['value-sha256'] = createHash('sha256').update(value).digest('hex');
  return Buffer.from(value.subarray(0, limit));
}

/** Bytes a message adds to a record batch, closely enough to keep under the topic's limit. */
function sizeOf(m: Message): number {
  let n = 70 + (m.key?.length ?? 0) + ((m.value as Buffer | null)?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += 10 + k.length + Buffer.byteLength(String(v));
  return n;
}
