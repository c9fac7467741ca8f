import { z } from 'zod';
import { identifier } from './common.js';

export const fieldTypeSchema = z.enum(['number', 'integer', 'string', 'boolean']);

/** How a record's bytes become an {@link Event}. */
export const eventSchemaSchema = z
  .object({
    /** Field holding event time. */
    timeField: z.string().min(1).default('ts'),
    timeFormat: z.enum(['epoch_ms', 'epoch_s', 'iso']).default('epoch_ms'),
    /** Field used as the event key when the record has no Kafka key (optional). */
    keyField: z.string().min(1).optional(),
    /** Declared fields and their types; other fields of a record are ignored. */
    fields: z.record(identifier, fieldTypeSchema).default({}),
    /** Fields that may be absent or null (others must be present). */
    optional: z.array(identifier).default([]),
    /** Larger records go to the dead-letter output. */
    maxRecordBytes: z.number().int().positive().default(1_048_576),
    /** Event times outside [minTime, maxTime] are rejected as implausible. */
    minTime: z.number().default(0),
    maxTime: z.number().default(Date.UTC(2200, 0, 1)),
  })
  .strict();

export type FieldType = z.output<typeof fieldTypeSchema>;
export type EventSchemaConfig = z.output<typeof eventSchemaSchema>;
