import type { ModelInfo, ModelService, ModelVersionInfo, PredictionResult } from '../../api/context.js';
import type { LearnerConfig } from '../../core/config/learner.js';
import { StreamlearnError } from '../../core/errors.js';
import type { FieldValue } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import type { VersionedCheckpointStore } from '../../state/versioned.js';
import { MODELS } from '../models/index.js';
import { ModelBundle, type BundleState, type Instance } from '../learner/bundle.js';
import type { OnlineLearner } from '../learner/learner.js';
import { decodeVersion, modelCheckpointName, type VersionMetadata } from '../learner/versions.js';

export interface ModelServerOptions {
  store: VersionedCheckpointStore;
  logger: Logger;
}

/** A model this instance serves. */
interface Served {
  name: string;
  pipeline: string;
  cfg: LearnerConfig;
  checkpointName: string;
  /** In the learning process: the live learner (used while it is active). */
  learner: OnlineLearner | null;
  /** The newest stored version, loaded by polling (used when not learning). */
  replica: { version: number; bundle: ModelBundle; metadata: VersionMetadata } | null;
  timer: NodeJS.Timeout | null;
  reloading: Promise<boolean> | null;
}

/**
 * Serves predictions, model information and rollback for the API ({@link ModelService}).
 *
 * Per model it predicts with either the live model (in the process that holds the model lease and
 * learns: the version it reports is the newest it published) or, in a replica, the newest stored
 * version, reloaded every `reloadInterval`. A learner that steps down becomes a replica by itself.
 * Rollback needs the lease, so only the learner can do it; a replica answers `SL_ERR_LEASE_LOST`
 * (409).
 *
 * @example
 * const server = new ModelServer({ store, logger });
 * server.addLearner(learner);              // in the learning process
 * server.addReplica('orders', config.learner); // elsewhere
 * await server.predict(undefined, [{ x1: 0.3, region: 'eu' }]);
 */
export class ModelServer implements ModelService {
  private readonly models = new Map<string, Served>();
  /** Stored version metadata by `<checkpoint>#<version>` (versions never change once written). */
  private readonly metaCache = new Map<string, VersionMetadata | null>();
  private closed = false;

  constructor(private readonly options: ModelServerOptions) {}

  /** Serves a learner's model (live while it learns, from the store after it steps down). */
  addLearner(learner: OnlineLearner): void {
    this.add(learner.pipeline, learner.cfg, learner);
  }

  /** Serves the newest stored version of a model learned elsewhere. */
  addReplica(pipeline: string, cfg: LearnerConfig): void {
    this.add(pipeline, cfg, null);
  }

  private add(pipeline: string, cfg: LearnerConfig, learner: OnlineLearner | null): void {
    if (this.models.has(cfg.name))
      throw new StreamlearnError('SL_ERR_CONFIG', `model ${cfg.name} is served twice`);
    const served: Served = {
      name: cfg.name,
      pipeline,
      cfg,
      checkpointName: modelCheckpointName(pipeline, cfg.name),
      learner,
      replica: null,
      timer: null,
      reloading: null,
    };
    this.models.set(cfg.name, served);
    const tick = (): void => {
      if (this.closed) return;
      if (!this.isLive(served)) void this.reload(served.name).catch(() => undefined);
      served.timer = setTimeout(tick, cfg.reloadInterval);
      served.timer.unref();
    };
    tick();
  }

  /**
   * Loads the newest stored version of `name` if it is newer than the one served (what the timer
   * does). Resolves true when the served model changed.
   */
  reload(name: string): Promise<boolean> {
    const served = this.lookup(name);
    if (served.reloading) return served.reloading;
    served.reloading = this.doReload(served).finally(() => (served.reloading = null));
    return served.reloading;
  }

  private async doReload(served: Served): Promise<boolean> {
    const { store, logger } = this.options;
    try {
      const versions = await store.listVersions(served.checkpointName);
      const newest = versions.at(-1)?.version ?? null;
      if (newest === null || newest === served.replica?.version) return false;
      const latest = await store.load(served.checkpointName);
      if (!latest || latest.version === served.replica?.version) return false;
      const payload = decodeVersion(served.checkpointName, latest.data);
      const bundle = ModelBundle.fromState(served.cfg, (payload.state as { bundle: BundleState }).bundle);
      served.replica = { version: latest.version, bundle, metadata: payload.metadata };
      this.metaCache.set(`${served.checkpointName}#${latest.version}`, payload.metadata);
      logger.info({ model: served.name, version: latest.version }, 'serving a new model version');
      return true;
    } catch (err) {
      logger.warn({ model: served.name, err: (err as Error).message }, 'could not reload the model');
      return false;
    }
  }

  async list(): Promise<ModelInfo[]> {
    return Promise.all([...this.models.values()].map((s) => this.info(s)));
  }

  async get(name: string): Promise<ModelInfo | undefined> {
    const served = this.models.get(name);
    return served ? this.info(served) : undefined;
  }

  async predict(
    name: string | undefined,
    instances: Record<string, FieldValue>[],
  ): Promise<PredictionResult[]> {
    const served = this.resolve(name);
    if (!Array.isArray(instances))
      throw new StreamlearnError('SL_ERR_VALIDATION', 'instances must be an array of objects');
    instances.forEach((x, i) => validate(served.cfg, x, i));
    let predict: (x: Instance) => ReturnType<ModelBundle['predict']>;
    let version: number;
    if (this.isLive(served)) {
      const learner = served.learner!;
      predict = (x) => learner.predict(x);
      version = learner.publishedVersion ?? 0;
    } else {
      if (!served.replica) await this.reload(served.name);
      const replica = served.replica;
      if (!replica)
        throw new StreamlearnError(
          'SL_ERR_UNAVAILABLE',
          `model ${served.name} has no published version yet; retry once the learner has checkpointed`,
        );
      predict = (x) => replica.bundle.predict(x);
      version = replica.version;
    }
    return instances.map((x) => {
      const out = predict(x);
      const result: PredictionResult = { prediction: out.prediction, version };
      if (out.probabilities) result.probabilities = { ...out.probabilities };
      return result;
    });
  }

  async rollback(name: string, version: number): Promise<ModelInfo> {
    const served = this.lookup(name);
    if (!Number.isInteger(version) || version < 1)
      throw new StreamlearnError('SL_ERR_VALIDATION', `version must be an integer >= 1, got ${version}`);
    if (!this.isLive(served))
      throw new StreamlearnError(
        'SL_ERR_LEASE_LOST',
        `model ${name}: this instance is a replica (it does not hold the model lease ${served.checkpointName}); ` +
          'send the rollback to the instance that learns',
      );
    await served.learner!.rollback(version);
    return this.info(served);
  }

  /** Stops the reload timers. */
  close(): void {
    this.closed = true;
    for (const s of this.models.values()) if (s.timer) clearTimeout(s.timer);
  }

  private isLive(served: Served): boolean {
    return served.learner !== null && served.learner.active;
  }

  private resolve(name: string | undefined): Served {
    if (name !== undefined) return this.lookup(name);
    if (this.models.size === 1) return this.models.values().next().value!;
    throw new StreamlearnError(
      'SL_ERR_VALIDATION',
      `name the model: this instance serves ${this.models.size === 0 ? 'none' : [...this.models.keys()].join(', ')}`,
    );
  }

  private lookup(name: string): Served {
    const served = this.models.get(name);
    if (!served) throw new StreamlearnError('SL_ERR_NOT_FOUND', `no model named ${JSON.stringify(name)}`);
    return served;
  }

  private async info(served: Served): Promise<ModelInfo> {
    const live = this.isLive(served);
    const learner = served.learner;
    let versions: ModelVersionInfo[] = [];
    try {
      versions = await this.versions(served);
    } catch (err) {
      this.options.logger.warn({ model: served.name, err: (err as Error).message }, 'cannot list versions');
    }
    const regression = MODELS[served.cfg.model.type].task === 'regression';
    const base = {
      name: served.name,
      kind: served.cfg.model.type,
      task: regression ? ('regression' as const) : ('classification' as const),
      versions,
    };
    if (live && learner)
      return {
        ...base,
        version: learner.publishedVersion ?? null,
        role: 'learner',
        eventsSeen: learner.eventsSeen,
        metrics: { overall: learner.evaluator.overall(), rolling: learner.evaluator.rolling() },
      };
    const replica = served.replica;
    return {
      ...base,
      version: replica?.version ?? null,
      role: 'replica',
      eventsSeen: replica?.metadata.eventsSeen ?? 0,
      metrics: replica?.metadata.metrics ?? { overall: {}, rolling: {} },
    };
  }

  private async versions(served: Served): Promise<ModelVersionInfo[]> {
    const { store } = this.options;
    const listed = await store.listVersions(served.checkpointName);
    return Promise.all(
      listed.map(async (v): Promise<ModelVersionInfo> => {
        const key = `${served.checkpointName}#${v.version}`;
        let meta = this.metaCache.get(key);
        if (meta === undefined) {
          const bytes = await store.loadVersion(served.checkpointName, v.version);
          meta = bytes ? decodeVersion(served.checkpointName, bytes).metadata : null;
          if (bytes) this.metaCache.set(key, meta);
        }
        const info: ModelVersionInfo = { version: v.version, createdAt: v.createdAt };
        if (meta) {
          info.eventsSeen = meta.eventsSeen;
          info.metrics = meta.metrics.overall;
        }
        return info;
      }),
    );
  }
}

/**
 * Checks an instance against the model's features: numeric ones must be finite numbers, categorical
 * ones strings, booleans or finite numbers; missing (absent or null) is fine, other fields are ignored.
 */
function validate(cfg: LearnerConfig, x: unknown, i: number): void {
  const fail = (why: string): never => {
    throw new StreamlearnError('SL_ERR_VALIDATION', `instances[${i}]${why}`);
  };
  if (x === null || typeof x !== 'object' || Array.isArray(x)) fail(' must be an object of feature values');
  const rec = x as Record<string, unknown>;
  for (const f of cfg.features.numeric) {
    const v = rec[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`.${f} must be a finite number, got ${show(v)}`);
  }
  for (const f of cfg.features.categorical) {
    const v = rec[f];
    if (v === undefined || v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(`.${f} must be a string, boolean or finite number, got ${show(v)}`);
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
