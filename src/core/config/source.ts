import { z } from 'zod';
import { brokerAddress, duration, positiveDuration } from './common.js';

export const generatorDriftSchema = z
  .object({
    /** Index of the first drifted event. */
    atEvent: z.number().int().nonnegative(),
    /** Events over which the change ramps in (0 = abrupt). */
    widthEvents: z.number().int().nonnegative().default(0),
    /** How far the numeric means move, in standard deviations. */
    shift: z.number().default(2),
  })
  .strict();

export const generatorSourceSchema = z
  .object({
    type: z.literal('generator'),
    seed: z.number().int().default(42),
    /** Events in all; 0 = endless (the demo). */
    events: z.number().int().nonnegative().default(100_000),
    /** Events per second of wall time; 0 = as fast as possible. */
    rate: z.number().nonnegative().default(0),
    /** Event time of the first event (epoch ms). */
    startTime: z
      .number()
      .int()
      .default(Date.UTC(2026, 0, 1)),
    /** Mean event-time gap between events. */
    intervalMs: z.number().positive().default(100),
    /** How far events may arrive out of order in event time. */
    disorderMs: z.number().nonnegative().default(0),
    /** Distinct values of the `key` field. */
    keys: z.number().int().positive().default(100),
    /** Partitions the generator spreads events over (by key). */
    partitions: z.number().int().positive().default(1),
    drift: generatorDriftSchema.optional(),
  })
  .strict();

export const fileSourceSchema = z
  .object({
    type: z.literal('file'),
    path: z.string().min(1),
    /** Records per batch handed to the pipeline. */
    batchSize: z.number().int().positive().default(5_000),
    /**
     * Integer field naming the partition a record belongs to, so one file can replay a
     * multi-partition topic (per-partition watermarks, idle partitions) deterministically.
     */
    partitionField: z.string().min(1).optional(),
  })
  .strict();

export const kafkaSourceSchema = z
  .object({
    type: z.literal('kafka'),
    brokers: z.array(brokerAddress).min(1).default(['127.0.0.1:9092']),
    topic: z.string().min(1),
    groupId: z.string().min(1).default('streamlearn'),
    clientId: z.string().min(1).default('streamlearn'),
    fromBeginning: z.boolean().default(true),
    /** Partitions to create the topic with when it does not exist (auto-create is off on our brokers). */
    createPartitions: z.number().int().positive().default(4),
    sessionTimeoutMs: positiveDuration.default(30_000),
    /** Stop when every assigned partition has been idle this long (0 = never; for tests and replays). */
    stopWhenIdleMs: duration.default(0),
    /** Kafka client: kafkajs (pure JS) or node-rdkafka (librdkafka; an optional dependency). */
    client: z.enum(['kafkajs', 'rdkafka']).default('kafkajs'),
    /**
     * Where the kafkajs client runs: on a worker thread (fetching and protocol decoding on a
     * second core, beside the pipeline) or on the main thread. node-rdkafka ignores it: it
     * fetches on librdkafka's own threads, and it cannot run on a worker (its rebalance callback
     * calls into V8 from the main event loop, a fatal error in Node 20).
     */
    thread: z.enum(['worker', 'main']).default('worker'),
    /**
     * Fields whose values decide a record's partition (what producers key records by). Declaring
     * them lets instances in one consumer group share the partitions (scale-out): window state is
     * then kept per partition, which is exact only when every window groups by these fields.
     */
    partitionedBy: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const sourceSchema = z.discriminatedUnion('type', [
  generatorSourceSchema,
  fileSourceSchema,
  kafkaSourceSchema,
]);

export type GeneratorSourceConfig = z.output<typeof generatorSourceSchema>;
export type FileSourceConfig = z.output<typeof fileSourceSchema>;
export type KafkaSourceConfig = z.output<typeof kafkaSourceSchema>;
export type SourceConfig = z.output<typeof sourceSchema>;
