import { z } from 'zod';
import { Accuracy } from './accuracy.js';
import { F1, Precision, Recall } from './confusion.js';
import { LogLoss } from './log-loss.js';
import type { Metric } from './metric.js';
import { MAE, R2, RMSE } from './regression.js';
import { BinnedRocAuc, RocAuc } from './roc-auc.js';
import { Rolling } from './rolling.js';

export { Accuracy, F1, Precision, Recall, LogLoss, MAE, R2, RMSE, BinnedRocAuc, RocAuc, Rolling };
export { positiveProba, RunningMean, type Metric, type ProbaPrediction } from './metric.js';

const label = z.union([z.string(), z.number(), z.boolean()]);

/** The metric registry: name → factory; `input` says what the prediction must be. */
export const METRICS = {
  accuracy: { input: 'label', create: () => new Accuracy() },
  precision: { input: 'label', create: (o: MetricOptions) => new Precision(o.posLabel) },
  recall: { input: 'label', create: (o: MetricOptions) => new Recall(o.posLabel) },
  f1: { input: 'label', create: (o: MetricOptions) => new F1(o.posLabel) },
  'log-loss': { input: 'proba', create: () => new LogLoss() },
  'roc-auc': { input: 'proba', create: (o: MetricOptions) => new RocAuc(o.posLabel) },
  'roc-auc-binned': {
    input: 'proba',
    create: (o: MetricOptions) => new BinnedRocAuc(o.nThresholds, o.posLabel),
  },
  mae: { input: 'number', create: () => new MAE() },
  rmse: { input: 'number', create: () => new RMSE() },
  r2: { input: 'number', create: () => new R2() },
} as const;

/** A metric in a config: a name, or `{ type, window?, posLabel?, nThresholds? }`. */
export const MetricSpecSchema = z.union([
  z.enum(Object.keys(METRICS) as [keyof typeof METRICS, ...(keyof typeof METRICS)[]]),
  z
    .object({
      type: z.enum(Object.keys(METRICS) as [keyof typeof METRICS, ...(keyof typeof METRICS)[]]),
      /** Rolling window size; absent: over the whole stream. */
      window: z.number().int().positive().optional(),
      posLabel: label.optional(),
      nThresholds: z.number().int().min(2).default(10),
    })
    .strict(),
]);
export type MetricSpec = z.input<typeof MetricSpecSchema>;
interface MetricOptions {
  posLabel?: string | number | boolean;
  nThresholds?: number;
}

/** Builds a metric (wrapped in `Rolling` when `window` is set). */
export function createMetric(spec: MetricSpec): Metric {
  const s = MetricSpecSchema.parse(spec);
  if (typeof s === 'string') return METRICS[s].create({}) as Metric;
  const m = METRICS[s.type].create(s) as Metric;
  return s.window === undefined ? m : new Rolling(m, s.window);
}
