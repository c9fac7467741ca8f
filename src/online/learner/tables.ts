import type { ColumnSpec, TableSpec } from '../../sinks/sink.js';
import type { Task } from './bundle.js';

/** Table of prequential metric rows, shared by every pipeline and model. */
export const METRICS_TABLE = 'model_metrics';
/** Table of per-event predictions (when `learner.predictions` is on). */
export const PREDICTIONS_TABLE = 'predictions';

/**
 * `model_metrics`: one row per evaluation, keyed by (pipeline, model, evaluated_at) with the
 * labelled-event count as version, so a replay writes the same rows and two evaluations at the
 * same event time keep the later one. `evaluated_at` is event time (epoch ms), never wall time.
 * Each metric has an overall column `<metric>` and a rolling column `<metric>_rolling`.
 */
export function metricsTableSpec(metricColumns: readonly string[]): TableSpec {
  const metric = (name: string): ColumnSpec => ({ name, type: 'float64', nullable: true });
  return {
    name: METRICS_TABLE,
    columns: [
      { name: 'pipeline', type: 'string' },
      { name: 'model', type: 'string' },
      { name: 'evaluated_at', type: 'int64' },
      { name: 'events', type: 'int64' },
      { name: 'events_seen', type: 'int64' },
      ...metricColumns.map((c) => metric(c)),
      ...metricColumns.map((c) => metric(`${c}_rolling`)),
    ],
    key: ['pipeline', 'model', 'evaluated_at'],
    versionColumn: 'events',
    timeColumn: 'evaluated_at',
  };
}

/**
 * `predictions`: one row per event, keyed by its source position, so a replay overwrites rather
 * than duplicates. `events` (the labelled events learned before the prediction) is the version.
 * `probability` is P(true) for binary models and the top probability for multi-class ones.
 */
export function predictionsTableSpec(task: Task): TableSpec {
  const valueType = task === 'regression' ? 'float64' : 'string';
  return {
    name: PREDICTIONS_TABLE,
    columns: [
      { name: 'pipeline', type: 'string' },
      { name: 'model', type: 'string' },
      { name: 'partition', type: 'string' },
      { name: 'offset', type: 'int64' },
      { name: 'ts', type: 'int64' },
      { name: 'events', type: 'int64' },
      { name: 'key', type: 'string', nullable: true },
      { name: 'label', type: valueType, nullable: true },
      { name: 'prediction', type: valueType, nullable: true },
      { name: 'probability', type: 'float64', nullable: true },
    ],
    key: ['pipeline', 'model', 'partition', 'offset'],
    versionColumn: 'events',
    timeColumn: 'ts',
  };
}
