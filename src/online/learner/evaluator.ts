import { metricColumn, type LearnerConfig } from '../../core/config/learner.js';
import { METRICS, MetricSpecSchema, Rolling, createMetric, type Metric } from '../metrics/index.js';
import type { Json, Label } from '../model.js';
import type { Task } from './bundle.js';

type MetricSpec = ReturnType<typeof MetricSpecSchema.parse>;

/**
 * Metrics used when the config lists none. ROC AUC is River's binned one: the exact `roc-auc`
 * keeps a counter per distinct score, which grows without bound over an endless stream (and with
 * it every checkpoint); name it explicitly for bounded streams.
 */
export const DEFAULT_METRICS: Record<Task, MetricSpec[]> = {
  binary: ['accuracy', 'log-loss', { type: 'roc-auc-binned', nThresholds: 50 }, 'precision', 'recall', 'f1'],
  multiclass: ['accuracy'],
  regression: ['mae', 'rmse', 'r2'],
};

/** Metric values by column name; null where the value is not a finite number. */
export type MetricValues = Record<string, number | null>;

interface Tracked {
  column: string;
  /** What the metric is fed: the predicted label, P(true), or the predicted number. */
  input: 'label' | 'proba' | 'number';
  overall: Metric;
  rolling: Metric;
}

/**
 * Prequential evaluation: each metric of the config over the whole stream and over a rolling
 * window (River's `utils.Rolling`). `update` takes the truth and the prediction made *before* the
 * model learned from the event.
 */
export class Evaluator {
  private readonly tracked: Tracked[];
  /** Column names, in config order. */
  readonly columns: string[];

  constructor(cfg: LearnerConfig, task: Task) {
    const specs = cfg.metrics ?? DEFAULT_METRICS[task];
    this.tracked = specs.map((raw) => {
      const spec = MetricSpecSchema.parse(raw);
      const type = typeof spec === 'string' ? spec : spec.type;
      const base = typeof spec === 'string' ? { type } : { ...spec, window: undefined };
      const window = (typeof spec === 'string' ? undefined : spec.window) ?? cfg.rollingWindow;
      return {
        column: metricColumn(spec),
        input: METRICS[type].input,
        overall: createMetric(base),
        rolling: new Rolling(createMetric(base), window),
      };
    });
    this.columns = this.tracked.map((t) => t.column);
  }

  /** `label`: the predicted label (or number); `p`: P(true) for binary models, else NaN. */
  update(yTrue: Label, label: Label | number | null, p: number): void {
    for (const t of this.tracked) {
      const pred = t.input === 'proba' ? p : label;
      t.overall.update(yTrue, pred);
      t.rolling.update(yTrue, pred);
    }
  }

  overall(): MetricValues {
    const out: MetricValues = {};
    for (const t of this.tracked) out[t.column] = finite(t.overall.get());
    return out;
  }

  rolling(): MetricValues {
    const out: MetricValues = {};
    for (const t of this.tracked) out[t.column] = finite(t.rolling.get());
    return out;
  }

  toState(): Json {
    return this.tracked.map((t) => [t.overall.toState(), t.rolling.toState()]);
  }

  loadState(state: Json): void {
    const s = state as [Json, Json][];
    this.tracked.forEach((t, i) => {
      const entry = s[i];
      if (!entry) return;
      t.overall.loadState(entry[0]);
      t.rolling.loadState(entry[1]);
    });
  }
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
