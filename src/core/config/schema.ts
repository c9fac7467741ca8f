import { z } from 'zod';
import { duration, identifier } from './common.js';

export const fieldTypeSchema = z.enum(['number', 'integer', 'string', 'boolean']);

/** Whether a declared field type holds numbers (what numeric features and aggregates read). */
export function isNumericFieldType(type: unknown): boolean {
  return type === 'number' || type === 'integer';
}

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
    /**
     * An event time more than this ahead of its Kafka record's timestamp is rejected (`time_ahead`):
     * one event from a clock years ahead would move the watermark there and make every later
     * event late. Unset: accepted, with a warning per partition when it is over a day ahead.
     */
    maxTimeAhead: duration.refine((ms) => ms > 0, 'must be greater than 0').optional(),
  })
  .strict()
  .superRefine((schema, ctx) => {
    if (schema.minTime >= schema.maxTime)
      ctx.addIssue({ code: 'custom', path: ['maxTime'], message: 'must be greater than minTime' });
    schema.optional.forEach((f, i) => {
      if (!Object.hasOwn(schema.fields, f))
        ctx.addIssue({
          code: 'custom',
          path: ['optional', i],
          message: `field "${f}" is not declared in fields`,
        });
    });
    if (Object.hasOwn(schema.fields, 'ts') && schema.timeField !== 'ts')
      ctx.addIssue({
        code: 'custom',
        path: ['fields', 'ts'],
        message: `an event's ts is its event time (from "${schema.timeField}"): a field named ts can only be the time field`,
      });
    // the time field is read by timeFormat, not by its declared type: a mismatch rejects every record
    const declared = schema.fields[schema.timeField];
    const wanted = schema.timeFormat === 'iso' ? ['string'] : ['number', 'integer'];
    if (declared !== undefined && !wanted.includes(declared))
      ctx.addIssue({
        code: 'custom',
        path: ['fields', schema.timeField],
        message: `the time field is read as ${schema.timeFormat}, so it cannot be declared ${declared}`,
      });
  });

export type FieldType = z.output<typeof fieldTypeSchema>;
export type EventSchemaConfig = z.output<typeof eventSchemaSchema>;
