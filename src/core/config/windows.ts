import { z } from 'zod';
import { AGGREGATORS, isAggregatorName } from '../../windows/aggregators/index.js';
import { duration, identifier, positiveDuration } from './common.js';

/** One aggregate column of a window: `fn` names an aggregator in the registry (src/windows/aggregators). */
export const aggregateSchema = z
  .object({
    fn: z
      .string()
      .min(1)
      .refine(isAggregatorName, {
        error: (issue) =>
          `unknown aggregate "${String(issue.input)}"; known: ${Object.keys(AGGREGATORS).join(', ')}`,
      }),
    /** Input field (every aggregator but `count` needs one). */
    field: identifier.optional(),
    /** Output column name; defaults to `<fn>_<field>` (or `count`). */
    as: identifier.optional(),
    /** Quantile in (0, 1) for `quantile`. */
    q: z.number().gt(0).lt(1).optional(),
    /** Entries kept by `topk`. */
    k: z.number().int().positive().max(1000).optional(),
    /** Accuracy knob of a sketch (`quantile`: relative error; `distinct`: HLL precision bits). */
    accuracy: z.number().positive().optional(),
  })
  .strict();

const windowBase = {
  name: identifier,
  groupBy: z.array(identifier).default([]),
  aggregates: z.array(aggregateSchema).min(1),
  /** Events this much behind the watermark still update their window (re-emitted with a higher version). */
  allowedLateness: duration.default(0),
  emit: z
    .object({
      mode: z.enum(['final', 'update']).default('final'),
      /** With `update`: event-time interval between early results of an open window. */
      interval: positiveDuration.optional(),
    })
    .strict()
    .default({ mode: 'final' }),
};

export const windowSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tumbling'), size: positiveDuration, ...windowBase }).strict(),
  z
    .object({ type: z.literal('hopping'), size: positiveDuration, slide: positiveDuration, ...windowBase })
    .strict(),
  z.object({ type: z.literal('session'), gap: positiveDuration, ...windowBase }).strict(),
]);

export const watermarkSchema = z
  .object({
    /** Bounded out-of-orderness: watermark = max event time seen − this. */
    maxOutOfOrderness: duration.default(0),
    /** A partition silent this long (wall time) stops holding the watermark back; 0 = never. */
    idleTimeout: duration.default(0),
  })
  .strict();

export type AggregateConfig = z.output<typeof aggregateSchema>;
export type WindowConfig = z.output<typeof windowSchema>;
export type WatermarkConfig = z.output<typeof watermarkSchema>;
