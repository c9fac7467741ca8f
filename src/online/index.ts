/**
 * Online learning: models, preprocessing and metrics (River's, see README.md), the learner stage
 * and the model server. The runtime wires a learner with one call:
 *
 * ```ts
 * createLearnerStage(
 *   config: PipelineConfig,               // needs config.learner
 *   deps: {
 *     store: VersionedCheckpointStore;    // the pipeline's checkpoint store
 *     lease: () => Lease | null;          // lease on learnerCheckpointName(config), while held
 *     logger: Logger;
 *     onLeaseLost?: (err: StreamlearnError) => void;  // publish/rollback refused: stepped down
 *     now?: () => number;                 // wall clock for version createdAt
 *   },
 * ): { stage: OnlineLearner; service: ModelServer; checkpointName: string }
 * // stage implements Stage (src/runtime/stage.ts); service implements ModelService (src/api/context.ts)
 * ```
 *
 * Put `stage` in `PipelineParts.stages` and `service` in `ServiceContext.models`. The instance that
 * runs the pipeline must hold the lease on `checkpointName` (a {@link LeaseKeeper} on that name,
 * started before the pipeline feeds events): `afterCheckpoint` publishes versions with it, and
 * throws `SL_ERR_LEASE_LOST` (stopping the pipeline) once it is lost. Until the stage is restored
 * or fed, and after it steps down, `service` serves the newest stored version, polled every
 * `learner.reloadInterval`. Instances that never learn use {@link createModelReplica}.
 * `stage.restore(state)` returns a promise the runtime must await before feeding events: it adopts
 * a rollback stored after the checkpoint was taken, so an acknowledged rollback survives a crash.
 *
 * @example
 * const keeper = new LeaseKeeper(store, { name: learnerCheckpointName(config), owner, ttlMs: 15_000 });
 * await keeper.start();
 * const { stage, service } = createLearnerStage(config, { store, lease: () => keeper.lease, logger });
 * const pipeline = new Pipeline({ ...parts, stages: [stage] });
 */
import type { PipelineConfig } from '../core/config/index.js';
import { StreamlearnError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { VersionedCheckpointStore } from '../state/versioned.js';
import { OnlineLearner, type LearnerDeps } from './learner/learner.js';
import { modelCheckpointName } from './learner/versions.js';
import { ModelServer } from './serving/model-server.js';

export * from './learner/index.js';
export * from './serving/index.js';
export * from './model.js';
export { createModel, modelFromState, MODELS, ModelSpecSchema, type ModelSpec } from './models/index.js';
export { createMetric, METRICS, MetricSpecSchema, Rolling, type Metric } from './metrics/index.js';
export { createTransformer, TRANSFORMERS, TransformerSpecSchema } from './preprocessing/index.js';

/** The learner stage of a pipeline and the model service the API serves from it. */
export interface LearnerParts {
  stage: OnlineLearner;
  service: ModelServer;
  /** Store name of the model versions, and the name of the lease the learner must hold. */
  checkpointName: string;
}

/** The name of the learner's version store and lease: `<pipeline>.model.<learner.name>`. */
export function learnerCheckpointName(config: PipelineConfig): string {
  if (!config.learner) throw new StreamlearnError('SL_ERR_CONFIG', 'the pipeline has no learner section');
  return modelCheckpointName(config.pipeline, config.learner.name);
}

/** Builds the learner stage of `config.learner` and a model server that serves it. */
export function createLearnerStage(config: PipelineConfig, deps: LearnerDeps): LearnerParts {
  if (!config.learner) throw new StreamlearnError('SL_ERR_CONFIG', 'the pipeline has no learner section');
  const stage = new OnlineLearner(config.pipeline, config.learner, deps);
  const service = new ModelServer({ store: deps.store, logger: deps.logger });
  service.addLearner(stage);
  const close = stage.close.bind(stage);
  stage.close = async () => {
    await close();
    // the API may outlive the pipeline: keep serving the last model, stop polling
    service.close();
  };
  return { stage, service, checkpointName: stage.checkpointName };
}

/** A model server for an instance that does not learn: it serves the newest stored version. */
export function createModelReplica(
  config: PipelineConfig,
  deps: { store: VersionedCheckpointStore; logger: Logger },
): ModelServer {
  if (!config.learner) throw new StreamlearnError('SL_ERR_CONFIG', 'the pipeline has no learner section');
  const service = new ModelServer(deps);
  service.addReplica(config.pipeline, config.learner);
  return service;
}
