import type { Consumer, Kafka } from 'kafkajs';
import type { KafkaSourceConfig } from '../../core/config/index.js';
import { StreamlearnError } from '../../core/errors.js';
import type { Positions, RecordBatch } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import type { PartitionListener, Source } from '../source.js';
import { createKafka, ensureTopic, readToEnd } from './kafka-client.js';

/** Batches buffered between the consumer and the pipeline; beyond it the consumer waits. */
const MAX_QUEUED_BATCHES = 8;
/** How often `next()` returns an empty batch while nothing arrives, so idle time is noticed. */
const HEARTBEAT_MS = 500;
/** How often a consumer waiting for queue space heartbeats (kafkajs sends one when it is due). */
const FULL_QUEUE_CHECK_MS = 200;

/**
 * Kafka through a kafkajs consumer group with manual commits. The consumer's `eachBatch` hands
 * batches to a small queue and waits (heartbeating) while it is full, so a slow sink pauses
 * consumption with bounded memory instead of buffering. Offsets are committed only by `commit`,
 * which the runtime calls after the rows and checkpoint are durable.
 */
export class KafkaSource implements Source {
  readonly kind = 'kafka';
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private readonly queue: RecordBatch[] = [];
  private wake: (() => void) | null = null;
  /** Wakes the consumer waiting for queue space, as soon as `next()` takes a batch. */
  private spaceFreed: (() => void) | null = null;
  private closed = false;
  private paused = false;
  private lastDataAt = Date.now();
  /** Partitions this member holds, from the latest group join. */
  private assigned = new Set<number>();
  /** Next offset after the last record handed out, per partition. */
  private readonly consumed = new Map<number, bigint>();
  private lastEndCheck = 0;

  constructor(
    private readonly cfg: KafkaSourceConfig,
    private readonly logger?: Logger,
    /** Batches fetched ahead of `next()`; the consumer waits beyond this many. */
    private readonly maxQueued = MAX_QUEUED_BATCHES,
  ) {
    this.kafka = createKafka(cfg.brokers, cfg.clientId, logger);
  }

  async start(_positions?: Positions, listener?: PartitionListener): Promise<void> {
    this.lastDataAt = Date.now(); // idle time counts from the start of consumption, not construction
    try {
      await ensureTopic(this.kafka, this.cfg.topic, this.cfg.createPartitions);
      const consumer = this.kafka.consumer({
        groupId: this.cfg.groupId,
        sessionTimeout: this.cfg.sessionTimeoutMs,
        maxBytesPerPartition: 4 << 20,
      });
      this.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        const assigned = Object.entries(e.payload.memberAssignment).flatMap(([topic, ps]) =>
          ps.map((partition) => ({ topic, partition })),
        );
        this.assigned = new Set(assigned.filter((a) => a.topic === this.cfg.topic).map((a) => a.partition));
        void listener?.onAssigned?.(assigned);
      });
      await consumer.connect();
      await consumer.subscribe({ topic: this.cfg.topic, fromBeginning: this.cfg.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          // After a rejoin (a consumer restarted by a broker outage, a rebalance) kafkajs fetches
          // again from the group's committed offset, which lags what we handed out until the next
          // checkpoint: hand nothing out twice, or the pipeline would count those records again.
          if (batch.messages.length === 0) return;
          const from = this.consumed.get(batch.partition);
          let messages = batch.messages;
          if (from !== undefined && BigInt(messages[0]!.offset) < from)
            messages = messages.filter((m) => BigInt(m.offset) >= from);
          if (messages.length === 0) {
            resolveOffset(batch.lastOffset());
            return;
          }
          this.queue.push({
            topic: batch.topic,
            partition: batch.partition,
            records: messages.map((m) => ({
              offset: m.offset,
              key: m.key,
              value: m.value,
              ts: Number(m.timestamp),
            })),
            highWatermark: batch.highWatermark,
          });
          this.lastDataAt = Date.now();
          this.consumed.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
          this.wake?.();
          // moves the fetch position only; the group offset is committed by commit()
          resolveOffset(batch.lastOffset());
          while (
            (this.queue.length >= this.maxQueued || this.paused) &&
            isRunning() &&
            !isStale() &&
            !this.closed
          ) {
            await this.untilSpace();
            await heartbeat();
          }
        },
      });
    } catch (err) {
      throw new StreamlearnError(
        'SL_ERR_SOURCE',
        `Kafka source ${this.cfg.brokers.join(',')} / ${this.cfg.topic}: ${(err as Error).message}`,
        { cause: err, retriable: true },
      );
    }
  }

  /**
   * Resolves when `next()` takes a batch, or after FULL_QUEUE_CHECK_MS. Waking at once (not on a
   * polling tick) keeps the next fetch in flight while the pipeline works through the queue.
   */
  private untilSpace(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.spaceFreed === done) this.spaceFreed = null;
        resolve();
      };
      const timer = setTimeout(done, FULL_QUEUE_CHECK_MS);
      this.spaceFreed = done;
    });
  }

  async next(): Promise<RecordBatch | null> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch) {
        this.spaceFreed?.();
        return batch;
      }
      if (this.closed) return null;
      if (
        this.cfg.stopWhenIdleMs > 0 &&
        Date.now() - this.lastDataAt >= this.cfg.stopWhenIdleMs &&
        (await this.caughtUp()) &&
        // "caught up" counts what was fetched: batches queued during the check are still input
        this.queue.length === 0
      )
        return null;
      const arrived = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), HEARTBEAT_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.wake = null;
      if (!arrived) return { topic: this.cfg.topic, partition: -1, records: [] };
    }
  }

  /**
   * End of input for `stopWhenIdleMs`: this member holds every partition of the topic and has
   * read each to its end. (Idle alone is not enough: after a crash the dead member keeps its
   * partitions until its session times out.)
   */
  private async caughtUp(): Promise<boolean> {
    if (Date.now() - this.lastEndCheck < 1000) return false;
    this.lastEndCheck = Date.now();
    return readToEnd(this.kafka, this.cfg.topic, this.cfg.groupId, this.assigned, this.consumed);
  }

  async commit(positions: Positions): Promise<void> {
    if (!this.consumer) return;
    const offsets = Object.entries(positions)
      .map(([key, offset]) => {
        const i = key.lastIndexOf(':');
        return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)), offset };
      })
      .filter((o) => o.topic === this.cfg.topic);
    if (offsets.length > 0) await this.consumer.commitOffsets(offsets);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  async ping(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [this.cfg.topic] });
    } catch (err) {
      throw new StreamlearnError('SL_ERR_SOURCE', `Kafka unreachable: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.spaceFreed?.();
    await this.consumer
      ?.disconnect()
      .catch((err: unknown) => this.logger?.warn({ err }, 'kafka consumer disconnect failed'));
  }
}
