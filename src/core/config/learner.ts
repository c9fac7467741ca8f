import { z } from 'zod';
import { METRICS, MetricSpecSchema } from '../../online/metrics/index.js';
import { isMiniBatchModel } from '../../online/model.js';
import { BaseModelSpecSchema, MODELS, createModel } from '../../online/models/index.js';
import { FeatureHasherSpec, OneHotEncoderSpec } from '../../online/preprocessing/index.js';
import { identifier, positiveDuration } from './common.js';
import { isNumericFieldType } from './schema.js';

/**
 * The online learner of a pipeline: which fields are features and label, the model, how it is
 * evaluated (prequential: every labelled event is predicted before it is learned) and published.
 *
 * @example
 * learner:
 *   features: { numeric: [x1, x2, amount], categorical: [region, device] }
 *   label: label
 *   model: { type: logistic-regression, optimizer: { type: sgd, lr: 0.05 } }
 *   scale: true
 */
export const learnerSchema = z
  .object({
    /** Model name: part of the metric rows, the API path and the version store name `<pipeline>.model.<name>`. */
    name: identifier.default('model'),
    features: z
      .object({
        /** Numeric fields; a null or missing value is a missing feature (not a 0 update). */
        numeric: z.array(identifier).default([]),
        /** Categorical fields (string, boolean or integer codes), one-hot encoded or hashed. */
        categorical: z.array(identifier).default([]),
      })
      .strict()
      .refine((f) => f.numeric.length + f.categorical.length > 0, 'name at least one feature'),
    /** Label field; events where it is null are predicted (if predictions are written) but not learned. */
    label: identifier,
    /** A model of the registry (src/online/models), `{ type, ...options }`. */
    model: BaseModelSpecSchema,
    /** Standardise numeric features with running mean and variance (River's StandardScaler). */
    scale: z.boolean().default(false),
    /** How categorical fields become numbers: `one-hot` (`field_value` = 1) or the feature hasher. */
    categorical: z
      .discriminatedUnion('type', [OneHotEncoderSpec, FeatureHasherSpec])
      .default({ type: 'one-hot', maxCategories: 10_000 }),
    /**
     * Metrics, each kept over the whole stream and over the last `rollingWindow` events. Default:
     * accuracy, log-loss, roc-auc, precision, recall, f1 (binary); accuracy (multiclass); mae, rmse, r2.
     */
    metrics: z.array(MetricSpecSchema).optional(),
    rollingWindow: z.number().int().positive().default(1_000),
    /** A `model_metrics` row every this many labelled events (unless `metricsInterval` is set). */
    metricsEvery: z.number().int().positive().default(1_000),
    /** Instead: a row each time event time crosses a multiple of this interval. */
    metricsInterval: positiveDuration.optional(),
    /** Also write every prediction to the `predictions` table (keyed by partition and offset). */
    predictions: z.boolean().default(false),
    /**
     * Mini-batch learning: with n > 1 the model learns each n labelled events with one `learnMany`
     * step (only models that have it). Predictions still come one event at a time, before learning.
     */
    miniBatch: z.number().int().positive().default(1),
    /** Model versions kept in the checkpoint store. */
    keepVersions: z.number().int().positive().default(10),
    /** How often an instance that does not learn reloads the newest version. */
    reloadInterval: positiveDuration.default(5_000),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const task = MODELS[cfg.model.type].task;
    const names = new Set<string>();
    (cfg.metrics ?? []).forEach((m, i) => {
      const type = typeof m === 'string' ? m : m.type;
      const input = METRICS[type].input;
      const name = metricColumn(m);
      if (names.has(name))
        ctx.addIssue({ code: 'custom', path: ['metrics', i], message: `metric "${name}" is listed twice` });
      names.add(name);
      const fits =
        input === 'number'
          ? task === 'regression'
          : input === 'proba'
            ? task === 'binary'
            : task !== 'regression';
      if (!fits)
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', i],
          message: `metric "${type}" does not apply to a ${task} model (${cfg.model.type})`,
        });
    });
    if (cfg.miniBatch > 1 && !isMiniBatchModel(createModel(cfg.model)))
      ctx.addIssue({
        code: 'custom',
        path: ['miniBatch'],
        message: `model ${cfg.model.type} has no learnMany; use miniBatch 1`,
      });
    const overlap = cfg.features.numeric.filter((f) => cfg.features.categorical.includes(f));
    if (overlap.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['features'],
        message: `fields both numeric and categorical: ${overlap.join(', ')}`,
      });
    if ([...cfg.features.numeric, ...cfg.features.categorical].includes(cfg.label))
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'the label must not also be a feature' });
  });

export type LearnerConfig = z.output<typeof learnerSchema>;
export type LearnerConfigInput = z.input<typeof learnerSchema>;

/** Column name of a metric in `model_metrics` and its key in the API (`log-loss` → `log_loss`). */
export function metricColumn(spec: z.output<typeof MetricSpecSchema>): string {
  return (typeof spec === 'string' ? spec : spec.type).replace(/-/g, '_');
}

/** Cross-field checks against the event schema: features and label must be declared with fitting types. */
export function checkLearnerFields(
  cfg: LearnerConfig,
  fields: Readonly<Record<string, unknown>>,
  ctx: z.RefinementCtx,
): void {
  const issue = (path: (string | number)[], message: string): void =>
    ctx.addIssue({ code: 'custom', path: ['learner', ...path], message });
  cfg.features.numeric.forEach((f, i) => {
    const t = fields[f];
    if (t === undefined) issue(['features', 'numeric', i], `field "${f}" is not declared in schema.fields`);
    else if (!isNumericFieldType(t))
      issue(['features', 'numeric', i], `field "${f}" is a ${t}, not a number`);
  });
  cfg.features.categorical.forEach((f, i) => {
    if (fields[f] === undefined && f !== 'key')
      issue(['features', 'categorical', i], `field "${f}" is not declared in schema.fields`);
  });
  const t = fields[cfg.label];
  if (t === undefined) issue(['label'], `field "${cfg.label}" is not declared in schema.fields`);
  else if (MODELS[cfg.model.type].task === 'regression' && !isNumericFieldType(t))
    issue(['label'], `a regression label must be a number field; "${cfg.label}" is a ${t}`);
}
