import type { TableSpec } from '../../sinks/sink.js';

/**
 * `drift_scores`: one row per (pipeline, feature, measure, evaluation). `version` is the monitor's
 * evaluation counter, so two evaluations at the same event time keep the later one, and a replay
 * writes identical rows.
 */
export const DRIFT_SCORES_TABLE: TableSpec = {
  name: 'drift_scores',
  columns: [
    { name: 'pipeline', type: 'string' },
    { name: 'feature', type: 'string' },
    { name: 'measure', type: 'string' },
    { name: 'evaluatedAt', type: 'int64' },
    { name: 'version', type: 'int64' },
    { name: 'value', type: 'float64', nullable: true },
    { name: 'warning', type: 'float64' },
    { name: 'drift', type: 'float64' },
    { name: 'state', type: 'string' },
    { name: 'referenceCount', type: 'int64' },
    { name: 'currentCount', type: 'int64' },
    { name: 'windowStart', type: 'int64' },
    { name: 'windowEnd', type: 'int64' },
  ],
  key: ['pipeline', 'feature', 'measure', 'evaluatedAt'],
  versionColumn: 'version',
  timeColumn: 'evaluatedAt',
};
