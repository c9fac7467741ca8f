import { z } from 'zod';
import { duration, httpUrl, identifier, positiveDuration, redisUrl } from './common.js';

const retrySchema = z
  .object({
    attempts: z.number().int().positive().default(8),
    initialDelay: positiveDuration.default(200),
    maxDelay: positiveDuration.default(10_000),
  })
  .strict()
  .default({ attempts: 8, initialDelay: 200, maxDelay: 10_000 });

export const clickhouseSinkSchema = z
  .object({
    type: z.literal('clickhouse'),
    url: httpUrl.default('http://127.0.0.1:8123'),
    database: identifier.default('streamlearn'),
    username: z.string().default('default'),
    password: z.string().default(''),
    /** Rows per INSERT. */
    batchRows: z.number().int().positive().default(50_000),
    requestTimeout: positiveDuration.default(30_000),
    retry: retrySchema,
  })
  .strict();

export const duckdbSinkSchema = z
  .object({
    type: z.literal('duckdb'),
    path: z.string().min(1).default('data/streamlearn.duckdb'),
  })
  .strict();

export const jsonlSinkSchema = z
  .object({
    type: z.literal('jsonl'),
    /** One `<window>.jsonl` file per window in this folder. */
    dir: z.string().min(1),
  })
  .strict();

export const sinkSchema = z.discriminatedUnion('type', [
  clickhouseSinkSchema,
  duckdbSinkSchema,
  jsonlSinkSchema,
]);

export const deadLetterSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), path: z.string().min(1).default('data/dead-letter.jsonl') }).strict(),
  z
    .object({
      type: z.literal('kafka'),
      /** Defaults to `<source topic>.dlq`. */
      topic: z.string().min(1).optional(),
      /** Longer values are kept as a prefix, marked with their length and SHA-256 in headers. */
      maxValueBytes: z.number().int().positive().default(1_048_576),
    })
    .strict(),
]);

export const checkpointSchema = z
  .object({
    store: z.enum(['file', 'redis', 'memory']).default('file'),
    /** Folder of the file store. */
    path: z.string().min(1).default('data/checkpoints'),
    redisUrl: redisUrl.default('redis://127.0.0.1:6379'),
    /** Wall-time interval between checkpoints (and so between offset commits). */
    interval: duration.default(5_000),
    /** The pipeline's lease: a crashed instance's successor waits at most this long to take over. */
    leaseTtl: positiveDuration.default(15_000),
  })
  .strict();

export type ClickhouseSinkConfig = z.output<typeof clickhouseSinkSchema>;
export type DuckdbSinkConfig = z.output<typeof duckdbSinkSchema>;
export type JsonlSinkConfig = z.output<typeof jsonlSinkSchema>;
export type SinkConfig = z.output<typeof sinkSchema>;
export type DeadLetterConfig = z.output<typeof deadLetterSchema>;
export type CheckpointConfig = z.output<typeof checkpointSchema>;
