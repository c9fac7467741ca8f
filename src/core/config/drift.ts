import { z } from 'zod';
import { brokerAddress, duration, identifier, positiveDuration } from './common.js';

/**
 * The `drift:` section of a pipeline file: which features the monitor watches, against what
 * reference, over which current window, how often, with which thresholds, and where alerts go.
 * Every decision is taken in event time, so a replay raises the same alerts with the same ids.
 */

/** Measures a feature can be scored with (names of src/drift/measures registries). */
export const driftMeasureSchema = z.enum([
  'psi',
  'kl-divergence',
  'jensen-shannon',
  'hellinger',
  'chi-square',
  'ks',
  'ks-statistic',
  'wasserstein',
  'wasserstein-norm',
]);

/**
 * Thresholds of one measure. For distances a value at or above `drift` is drift; for p-value tests
 * (`ks`, `chi-square`) a p-value at or below `drift` is. `exitWarning`/`exitDrift` are the
 * hysteresis thresholds to leave a state (defaults: 80 % of the enter threshold for distances,
 * 2× for p-values), so a score hovering at a threshold does not flap.
 */
export const driftThresholdSchema = z
  .object({
    warning: z.number().nonnegative(),
    drift: z.number().nonnegative(),
    exitWarning: z.number().nonnegative().optional(),
    exitDrift: z.number().nonnegative().optional(),
  })
  .strict();

const thresholdMap = z.partialRecord(driftMeasureSchema, driftThresholdSchema);

export const driftWindowSchema = z.discriminatedUnion('type', [
  /** The last `size` values of each feature. */
  z.object({ type: z.literal('count'), size: z.number().int().min(2).default(5_000) }).strict(),
  /** Values whose event time lies within `size` of the newest one. */
  z
    .object({
      type: z.literal('time'),
      size: positiveDuration,
      /** No evaluation while the window holds fewer values than this. */
      minCount: z.number().int().min(2).default(100),
    })
    .strict(),
]);

export const driftReferenceSchema = z.discriminatedUnion('type', [
  /** The first `events` values of each feature (later `pinReference()` may replace it). */
  z.object({ type: z.literal('first'), events: z.number().int().min(2).default(5_000) }).strict(),
  /** A JSONL file of events (and optionally `prediction`/`error` fields) read at start. */
  z.object({ type: z.literal('file'), path: z.string().min(1) }).strict(),
]);

export const driftEvaluateSchema = z.union([
  z.object({ everyEvents: z.number().int().positive() }).strict(),
  z.object({ every: positiveDuration }).strict(),
]);

export const driftDetectorSchema = z
  .object({
    /** Registry name (src/drift/detectors): adwin, page-hinkley, kswin, ddm, eddm, hddm-a. */
    detector: z.enum(['adwin', 'page-hinkley', 'kswin', 'ddm', 'eddm', 'hddm-a']),
    /** Stream it watches: the learner's `error` (default), `prediction`, or a numeric feature. */
    stream: z.string().min(1).default('error'),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const retrySettings = {
  /** Attempts before the alert goes to the channel's dead-letter file. */
  maxAttempts: z.number().int().positive().default(12),
  initialDelayMs: z.number().int().positive().default(500),
  maxDelayMs: z.number().int().positive().default(60_000),
};

export const alertChannelSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('webhook'),
      name: identifier.default('webhook'),
      url: z.url(),
      /** HMAC-SHA256 key of the `X-Streamlearn-Signature` header. */
      secret: z.string().min(16),
      timeoutMs: z.number().int().positive().default(10_000),
      headers: z.record(z.string(), z.string()).default({}),
      ...retrySettings,
    })
    .strict(),
  z
    .object({
      type: z.literal('kafka'),
      name: identifier.default('kafka'),
      brokers: z.array(brokerAddress).min(1).default(['127.0.0.1:9092']),
      topic: z.string().min(1),
      clientId: z.string().min(1).default('streamlearn-alerts'),
      /** Partitions to create the topic with when it is missing. */
      createPartitions: z.number().int().positive().default(1),
      ...retrySettings,
    })
    .strict(),
  z.object({ type: z.literal('table'), name: identifier.default('table') }).strict(),
  z.object({ type: z.literal('log'), name: identifier.default('log') }).strict(),
]);

export const driftSchema = z
  .object({
    /** Numeric features (event fields); values that are not finite numbers are skipped. */
    numeric: z.array(identifier).default([]),
    /** Categorical features; values are compared as strings. */
    categorical: z.array(identifier).default([]),
    /** Monitor the learner's predictions as a numeric or categorical stream. */
    prediction: z.enum(['off', 'numeric', 'categorical']).default('off'),
    /** Monitor the learner's error stream (0/1 for classifiers, |error| for regressors). */
    error: z.boolean().default(false),
    measures: z
      .object({
        numeric: z.array(driftMeasureSchema).min(1).default(['psi']),
        categorical: z.array(driftMeasureSchema).min(1).default(['psi']),
      })
      .strict()
      .default({ numeric: ['psi'], categorical: ['psi'] }),
    /** Quantile bins of numeric features (cut at the reference's quantiles). */
    bins: z.number().int().min(2).max(1000).default(10),
    reference: driftReferenceSchema.default({ type: 'first', events: 5_000 }),
    window: driftWindowSchema.default({ type: 'count', size: 5_000 }),
    evaluate: driftEvaluateSchema.default({ everyEvents: 1_000 }),
    /** Thresholds per measure, over the defaults. */
    thresholds: thresholdMap.default({}),
    /** Per-feature thresholds per measure, over `thresholds`. */
    featureThresholds: z.record(z.string(), thresholdMap).default({}),
    /** Share of drifted features at which the whole dataset counts as drifted. */
    datasetDriftShare: z.number().gt(0).lte(1).default(0.5),
    /**
     * Event time a feature must stay `ok` before a `resolved` alert closes its episode; while it
     * runs, a relapse continues the episode silently. Detectors: quiet time after a detection.
     */
    coolDown: duration.default(600_000),
    detectors: z.array(driftDetectorSchema).default([]),
    /** What the learner does on drift: nothing, reset its model, or start a new model version. */
    reaction: z.enum(['none', 'reset', 'new-version']).default('none'),
    /** Which drift alerts trigger the reaction. */
    reactOn: z.array(z.enum(['dataset', 'feature', 'error'])).default(['dataset', 'error']),
    alerts: z
      .object({
        channels: z.array(alertChannelSchema).default([{ type: 'log', name: 'log' }]),
        /** Durable outbox of the webhook and Kafka channels (one sub-folder per channel). */
        outboxDir: z.string().min(1).default('data/alerts'),
        /** At a stop (or the end of a finite input), how long pending alerts may still be retried. */
        drainOnStop: duration.default(15_000),
      })
      .strict()
      .default({ channels: [{ type: 'log', name: 'log' }], outboxDir: 'data/alerts', drainOnStop: 15_000 }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    for (const f of [...cfg.numeric, ...cfg.categorical]) {
      if (seen.has(f)) ctx.addIssue({ code: 'custom', path: ['numeric'], message: `feature "${f}" twice` });
      if (f === 'prediction' || f === 'error')
        ctx.addIssue({ code: 'custom', path: ['numeric'], message: `"${f}" is reserved for the learner` });
      seen.add(f);
    }
    const names = new Set<string>();
    cfg.alerts.channels.forEach((c, i) => {
      if (names.has(c.name))
        ctx.addIssue({ code: 'custom', path: ['alerts', 'channels', i, 'name'], message: 'duplicate name' });
      names.add(c.name);
    });
    for (const [m, t] of Object.entries(cfg.thresholds)) checkOrder(m, t, ['thresholds', m], ctx);
    for (const [f, map] of Object.entries(cfg.featureThresholds))
      for (const [m, t] of Object.entries(map)) checkOrder(m, t, ['featureThresholds', f, m], ctx);
  });

function checkOrder(
  measure: string,
  t: z.output<typeof driftThresholdSchema> | undefined,
  path: string[],
  ctx: z.RefinementCtx,
): void {
  if (!t) return;
  const pValue = measure === 'ks' || measure === 'chi-square';
  if (pValue ? t.drift > t.warning : t.drift < t.warning)
    ctx.addIssue({ code: 'custom', path, message: 'the drift threshold must be beyond the warning one' });
}

export type DriftConfig = z.output<typeof driftSchema>;
export type DriftConfigInput = z.input<typeof driftSchema>;
export type DriftMeasureName = z.output<typeof driftMeasureSchema>;
export type DriftThresholdConfig = z.output<typeof driftThresholdSchema>;
export type AlertChannelConfig = z.output<typeof alertChannelSchema>;
export type DriftDetectorConfig = z.output<typeof driftDetectorSchema>;
