import { createRequire } from 'node:module';
import type { KafkaSourceConfig } from '../../core/config/index.js';
import { StreamlearnError } from '../../core/errors.js';
import type { Positions, RawRecord, RecordBatch } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import type { PartitionListener, Source } from '../source.js';
import type { Kafka } from 'kafkajs';
import { createKafka, ensureTopic, readToEnd } from './kafka-client.js';

/** Messages asked of librdkafka per `consume` call (it returns fewer when the poll times out). */
const CONSUME_BATCH = 5_000;
/** How long `next()` waits for data before it returns an empty batch, so idle time is noticed. */
const HEARTBEAT_MS = 500;
/**
 * librdkafka's own prefetch queue per partition, in KiB. It is the bounded buffer: records are
 * pulled by `next()`, and once this is full librdkafka stops fetching (back-pressure).
 */
const QUEUED_MAX_KBYTES = 16 * 1024;

// The slice of node-rdkafka used here, typed locally: it is an optional dependency (a native build).
interface RdMessage {
  value: Buffer | null;
  key?: Buffer | string | null;
  offset: number;
  partition: number;
  topic: string;
  timestamp?: number;
}
interface RdTopicPartition {
  topic: string;
  partition: number;
  offset?: number;
}
interface RdError extends Error {
  code: number;
}
interface RdConsumer {
  connect(options: { timeout?: number }, cb: (err: RdError | null) => void): void;
  disconnect(cb: (err: RdError | null) => void): void;
  subscribe(topics: string[]): void;
  consume(n: number, cb: (err: RdError | null, messages: RdMessage[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  commitSync(offsets: RdTopicPartition[] | null): void;
  assign(assignments: RdTopicPartition[]): void;
  unassign(): void;
  assignments(): RdTopicPartition[];
  pause(partitions: RdTopicPartition[]): void;
  resume(partitions: RdTopicPartition[]): void;
  getMetadata(options: { topic?: string; timeout?: number }, cb: (err: RdError | null) => void): void;
  isConnected(): boolean;
}
interface RdKafka {
  KafkaConsumer: new (global: Record<string, unknown>, topic: Record<string, unknown>) => RdConsumer;
  CODES: { ERRORS: Record<string, number> };
}

/** Loads node-rdkafka on first use, with a message saying how to get it when it is missing. */
function loadRdkafka(): RdKafka {
  try {
    return createRequire(import.meta.url)('node-rdkafka') as RdKafka;
  } catch (err) {
    throw new StreamlearnError(
      'SL_ERR_CONFIG',
      'source.client "rdkafka" needs the optional package node-rdkafka (npm install node-rdkafka; it builds librdkafka from source)',
      { cause: err, retriable: false },
    );
  }
}

/**
 * Kafka through node-rdkafka (librdkafka), the faster client behind the same {@link Source}
 * contract as the kafkajs {@link KafkaSource}: a consumer group, manual commits only (auto-commit
 * and auto offset store off; `commit` commits synchronously what the runtime says is durable),
 * back-pressure by pulling (`next()` consumes only when the pipeline asks; librdkafka's prefetch
 * queue is bounded), empty heartbeat batches while nothing arrives, and `stopWhenIdleMs`.
 */
export class RdkafkaSource implements Source {
  readonly kind = 'kafka';
  private consumer: RdConsumer | null = null;
  private readonly ready: RecordBatch[] = [];
  private closed = false;
  private paused = false;
  private lastDataAt = Date.now();
  private readonly admin: Kafka;
  /** Partitions held (from the latest rebalance) and the next offset handed out per partition. */
  private assigned = new Set<number>();
  private readonly consumed = new Map<number, bigint>();
  private lastEndCheck = 0;

  constructor(
    private readonly cfg: KafkaSourceConfig,
    private readonly logger?: Logger,
  ) {
    // topic creation and end-of-input checks through the kafkajs admin, as the kafkajs source does
    this.admin = createKafka(cfg.brokers, cfg.clientId, logger);
  }

  async start(_positions?: Positions, listener?: PartitionListener): Promise<void> {
    this.lastDataAt = Date.now(); // idle time counts from the start of consumption, not construction
    const rd = loadRdkafka();
    try {
      await ensureTopic(this.admin, this.cfg.topic, this.cfg.createPartitions);
      const { ERR__ASSIGN_PARTITIONS, ERR__REVOKE_PARTITIONS } = rd.CODES.ERRORS;
      const consumer: RdConsumer = new rd.KafkaConsumer(
        {
          'metadata.broker.list': this.cfg.brokers.join(','),
          'group.id': this.cfg.groupId,
          'client.id': this.cfg.clientId,
          'enable.auto.commit': false,
          'enable.auto.offset.store': false,
          'session.timeout.ms': this.cfg.sessionTimeoutMs,
          'queued.max.messages.kbytes': QUEUED_MAX_KBYTES,
          rebalance_cb: (err: RdError, assignment: RdTopicPartition[]) => {
            const parts = assignment.map(({ topic, partition }) => ({ topic, partition }));
            if (err.code === ERR__ASSIGN_PARTITIONS) {
              consumer.assign(assignment);
              this.assigned = new Set(
                parts.filter((p) => p.topic === this.cfg.topic).map((p) => p.partition),
              );
              if (this.paused) consumer.pause(parts);
              void listener?.onAssigned?.(parts);
            } else if (err.code === ERR__REVOKE_PARTITIONS) {
              void listener?.onRevoked?.(parts);
              consumer.unassign();
            } else {
              this.logger?.warn({ err }, 'rdkafka rebalance error');
            }
          },
        },
        { 'auto.offset.reset': this.cfg.fromBeginning ? 'earliest' : 'latest' },
      );
      await new Promise<void>((resolve, reject) =>
        consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())),
      );
      consumer.setDefaultConsumeTimeout(HEARTBEAT_MS);
      consumer.subscribe([this.cfg.topic]);
      this.consumer = consumer;
      this.lastDataAt = Date.now();
    } catch (err) {
      throw new StreamlearnError(
        'SL_ERR_SOURCE',
        `Kafka source (rdkafka) ${this.cfg.brokers.join(',')} / ${this.cfg.topic}: ${(err as Error).message}`,
        { cause: err, retriable: true },
      );
    }
  }

  async next(): Promise<RecordBatch | null> {
    for (;;) {
      const batch = this.ready.shift();
      if (batch) return batch;
      if (this.closed || !this.consumer) return null;
      if (
        this.cfg.stopWhenIdleMs > 0 &&
        Date.now() - this.lastDataAt >= this.cfg.stopWhenIdleMs &&
        (await this.caughtUp()) &&
        this.ready.length === 0
      )
        return null;
      if (this.paused) {
        await new Promise((r) => setTimeout(r, HEARTBEAT_MS));
        return { topic: this.cfg.topic, partition: -1, records: [] };
      }
      const messages = await this.consume(this.consumer);
      if (this.closed) return null;
      if (messages.length === 0) return { topic: this.cfg.topic, partition: -1, records: [] };
      this.lastDataAt = Date.now();
      this.split(messages);
    }
  }

  private consume(consumer: RdConsumer): Promise<RdMessage[]> {
    return new Promise((resolve, reject) =>
      consumer.consume(CONSUME_BATCH, (err, messages) => {
        if (err)
          reject(
            new StreamlearnError('SL_ERR_SOURCE', `rdkafka consume: ${err.message}`, {
              cause: err,
              retriable: true,
            }),
          );
        else resolve(messages);
      }),
    );
  }

  /** One batch per partition, in offset order (a consume call may interleave partitions). */
  private split(messages: RdMessage[]): void {
    const byPartition = new Map<string, RecordBatch>();
    for (const m of messages) {
      const id = `${m.topic}:${m.partition}`;
      let batch = byPartition.get(id);
      if (!batch) byPartition.set(id, (batch = { topic: m.topic, partition: m.partition, records: [] }));
      const record: RawRecord = {
        offset: String(m.offset),
        key: typeof m.key === 'string' ? Buffer.from(m.key) : (m.key ?? null),
        value: m.value,
        ts: m.timestamp ?? 0,
      };
      batch.records.push(record);
    }
    for (const b of byPartition.values()) {
      this.ready.push(b);
      const last = b.records[b.records.length - 1]!;
      this.consumed.set(b.partition, BigInt(last.offset) + 1n);
    }
  }

  /** End of input for `stopWhenIdleMs` (see {@link readToEnd}), checked at most once a second. */
  private async caughtUp(): Promise<boolean> {
    if (Date.now() - this.lastEndCheck < 1000) return false;
    this.lastEndCheck = Date.now();
    return readToEnd(this.admin, this.cfg.topic, this.cfg.groupId, this.assigned, this.consumed);
  }

  async commit(positions: Positions): Promise<void> {
    if (!this.consumer || this.closed) return;
    const offsets = Object.entries(positions)
      .map(([key, offset]) => {
        const i = key.lastIndexOf(':');
        return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset: Number(offset) };
      })
      .filter((o) => o.topic === this.cfg.topic);
    if (offsets.length === 0) return;
    try {
      this.consumer.commitSync(offsets);
    } catch (err) {
      throw new StreamlearnError('SL_ERR_SOURCE', `rdkafka commit: ${(err as Error).message}`, {
        cause: err,
        retriable: true,
      });
    }
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer?.pause(this.consumer.assignments());
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumer?.resume(this.consumer.assignments());
  }

  async ping(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || !consumer.isConnected())
      throw new StreamlearnError('SL_ERR_SOURCE', 'Kafka (rdkafka) consumer not connected');
    await new Promise<void>((resolve, reject) =>
      consumer.getMetadata({ topic: this.cfg.topic, timeout: 2_000 }, (err) =>
        err
          ? reject(new StreamlearnError('SL_ERR_SOURCE', `Kafka unreachable: ${err.message}`, { cause: err }))
          : resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const consumer = this.consumer;
    if (!consumer) return;
    await new Promise<void>((resolve) =>
      consumer.disconnect((err) => {
        if (err) this.logger?.warn({ err }, 'rdkafka consumer disconnect failed');
        resolve();
      }),
    );
  }
}
