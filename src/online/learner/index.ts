/** The online learner stage: prequential evaluation, metric rows, checkpointed state, model versions. */
export { ModelBundle, type BundleState, type Instance, type Prediction, type Task } from './bundle.js';
export { DEFAULT_METRICS, Evaluator, type MetricValues } from './evaluator.js';
export { OnlineLearner, type DriftReset, type LearnerDeps, type LearnerObserver } from './learner.js';
export { METRICS_TABLE, PREDICTIONS_TABLE, metricsTableSpec, predictionsTableSpec } from './tables.js';
export {
  decodeVersion,
  encodeVersion,
  modelCheckpointName,
  type VersionMetadata,
  type VersionPayload,
} from './versions.js';
