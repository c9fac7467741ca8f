import type { LearnerConfig } from '../../core/config/learner.js';
import { StreamlearnError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import type { Event, Positions } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import type { Alert } from '../../drift/alerts/alert.js';
import type { DriftReaction, DriftReactionHandler, LearnerStream } from '../../drift/monitor/monitor.js';
import type { EventOrigin, Stage } from '../../runtime/stage.js';
import type { Row, TableSpec } from '../../sinks/sink.js';
import type { Lease } from '../../state/checkpoint-store.js';
import { versionNotFound, type VersionedCheckpointStore } from '../../state/versioned.js';
import type { Features, Json, Label, MiniBatchModel } from '../model.js';
import { isMiniBatchModel } from '../model.js';
import { ModelBundle, type BundleState, type Prediction, type Task } from './bundle.js';
import { Evaluator, type MetricValues } from './evaluator.js';
import { METRICS_TABLE, PREDICTIONS_TABLE, metricsTableSpec, predictionsTableSpec } from './tables.js';
import {
  decodeVersion,
  encodeVersion,
  modelCheckpointName,
  type VersionMetadata,
  type VersionPayload,
} from './versions.js';

/** What the learner needs from its surroundings. */
export interface LearnerDeps {
  store: VersionedCheckpointStore;
  /**
   * The lease on {@link modelCheckpointName}`(pipeline, model)` while this instance holds it, else
   * null (e.g. `() => keeper.lease` of a LeaseKeeper on that name). Publishing and rollback need it.
   */
  lease: () => Lease | null;
  logger: Logger;
  /** Called once when a publish or rollback is refused for want of the lease: the learner stepped down. */
  onLeaseLost?: (err: StreamlearnError) => void;
  /** Wall clock for `createdAt` (never used for anything that reaches a table). */
  now?: () => number;
}

/**
 * Receives the learner's prediction and error for each labelled event, after the prediction and
 * before learning: `prediction` is P(positive) (binary), the predicted class's probability
 * (multi-class) or ŷ (regression); `error` is 1/0 for a wrong/right label (compared as strings,
 * like the accuracy metric) or |y − ŷ|. Wire it to `DriftMonitor.observeValue`.
 */
export type LearnerObserver = (stream: LearnerStream, value: number, ts: number) => void;

/** The last drift reaction: at which event (eventsSeen when it came) and alert time. */
export interface DriftReset {
  reaction: DriftReaction;
  eventsSeen: number;
  labelled: number;
  ts: number;
  alert: string;
}

/** A model kept by a `new-version` reaction: the learner's state then, and its metrics. */
interface PreDrift {
  state: LearnerState;
  metrics: { overall: MetricValues; rolling: MetricValues };
}

/** The learner's part of a pipeline checkpoint (and of every published version). */
interface LearnerState {
  format: 1;
  bundle: BundleState;
  metrics: Json;
  eventsSeen: number;
  labelled: number;
  positions: Positions;
  lastTs: number | null;
  nextRowAt: number | null;
  lastRowEvents: number;
  /** Mini-batch mode: labelled examples waiting for the batch to fill. */
  pending: [Json, Label][];
  /** Pre-drift models (`new-version`) to publish before the current one; absent in older states. */
  preDrift?: PreDrift[];
  lastDrift?: DriftReset | null;
  /** `labelled` when the current model started (0, or its drift reset). */
  modelSince?: number;
  /** The next published version is the first of a model started by a drift reaction. */
  resetUnpublished?: boolean;
  /**
   * The newest stored version this state knows of (0: none stored; absent in older states): a
   * rollback stored after it is not in this state, and a restore adopts it.
   */
  knownVersion?: number;
}

/**
 * The online learner as a pipeline {@link Stage}: for each event, predict (from the model as it is),
 * then — when the label is present — update the metrics with that prediction and learn (River's
 * `evaluate.progressive_val_score`). Metric rows go to `model_metrics` every `metricsEvery`
 * labelled events (or each `metricsInterval` of event time); predictions optionally to `predictions`.
 *
 * Its state rides in the pipeline's atomic checkpoint with the source offsets, so a restart neither
 * re-learns nor skips an event. After each checkpoint, if the model changed, it publishes a numbered
 * version to the store under `<pipeline>.model.<name>` (fenced by the model lease, last
 * `keepVersions` kept) for replicas and rollback. A refused publish means another instance took
 * over: the learner steps down and throws `SL_ERR_LEASE_LOST`, which stops the pipeline.
 *
 * Events are processed as they arrive. With `miniBatch: n > 1` (models with `learnMany`) each
 * event is still predicted on arrival, and every n labelled events are learned in one step; the
 * batch boundaries count labelled events, so they do not depend on how the source batches records.
 *
 * Linked to a drift monitor: {@link setObserver} pushes each labelled event's prediction and error
 * to it, and as its {@link DriftReactionHandler} the learner starts a fresh model on drift
 * ({@link onDrift}), keeping the model it replaces as a version of its own with `new-version`.
 */
export class OnlineLearner implements Stage, DriftReactionHandler {
  readonly name: string;
  /** Features and label: all the learner reads of an event (besides its time and key). */
  readonly fields: readonly string[];
  readonly modelName: string;
  readonly checkpointName: string;
  readonly task: Task;
  bundle: ModelBundle;
  eventsSeen = 0;
  labelled = 0;
  /** Newest version this learner published or adopted; null: none stored; undefined: not checked yet. */
  publishedVersion: number | null | undefined = undefined;
  publishedMetadata: VersionMetadata | null = null;
  /** True once this instance learns (restored or fed an event) and until it steps down. */
  active = false;
  steppedDown = false;
  readonly evaluator: Evaluator;
  /** Offset of the last event seen, per partition. */
  private lastOffsets: Record<string, string> = {};
  private lastTs: number | null = null;
  private nextRowAt: number | null = null;
  private lastRowEvents = 0;
  private pendingX: Features[] = [];
  private pendingY: Label[] = [];
  private dirty = false;
  private readonly fullFieldsReported = new Set<string>();
  private metricRows: Row[] = [];
  private predictionRows: Row[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;
  private readonly miniBatch: number;
  private observer: LearnerObserver | null = null;
  /** Pre-drift learner states waiting to be published, oldest first (at most `keepVersions`). */
  private preDrift: PreDrift[] = [];
  /** The last drift reaction, null before any. */
  lastDrift: DriftReset | null = null;
  /** `labelled` when the current model started. */
  private modelSince = 0;
  private resetUnpublished = false;
  /** Newest stored version this learner knows of (published, rolled back or seen); null: not checked. */
  private knownVersion: number | null = null;

  constructor(
    readonly pipeline: string,
    readonly cfg: LearnerConfig,
    private readonly deps: LearnerDeps,
  ) {
    this.modelName = cfg.name;
    this.name = `learner.${cfg.name}`;
    this.fields = [...cfg.features.numeric, ...cfg.features.categorical, cfg.label];
    this.checkpointName = modelCheckpointName(pipeline, cfg.name);
    this.bundle = ModelBundle.create(cfg);
    this.task = this.bundle.task;
    this.evaluator = new Evaluator(cfg, this.task);
    this.now = deps.now ?? Date.now;
    this.miniBatch = isMiniBatchModel(this.bundle.model) ? cfg.miniBatch : 1;
  }

  tables(): TableSpec[] {
    const out = [metricsTableSpec(this.evaluator.columns)];
    if (this.cfg.predictions) out.push(predictionsTableSpec(this.task));
    return out;
  }

  onEvent(event: Event, origin: EventOrigin, _watermark: number): void {
    if (!this.active && !this.steppedDown) this.active = true;
    const ts = event.ts;
    const interval = this.cfg.metricsInterval;
    if (interval !== undefined) {
      if (this.nextRowAt !== null && ts >= this.nextRowAt) this.emitRow(this.nextRowAt);
      if (this.nextRowAt === null || ts >= this.nextRowAt)
        this.nextRowAt = (Math.floor(ts / interval) + 1) * interval;
    }
    this.eventsSeen++;
    this.lastTs = ts;
    this.lastOffsets[origin.partition] = origin.offset; // positions are derived when asked: no string work here
    const raw = event[this.cfg.label];
    const regression = this.task === 'regression';
    const labelled =
      raw !== null && raw !== undefined && (!regression || (typeof raw === 'number' && Number.isFinite(raw)));
    if (!labelled && !this.cfg.predictions) return;
    const y = raw as Label;

    // Predict, then learn: the prediction never sees its own label.
    let label: Label | number | null;
    let p = Number.NaN;
    let probability: number | null = null;
    const bundle = this.bundle;
    // the fast paths: 1 = dense row, 2 = sparse row (learned from as filled for the prediction)
    let fast = 0;
    let n = 0;
    let out = 0;
    if (this.miniBatch === 1) {
      if (bundle.dense !== null && bundle.fillRow(event)) {
        out = bundle.dense.predictDense(bundle.row);
        fast = 1;
      } else if (bundle.sparse !== null) {
        n = bundle.fillSparse(event);
        out = bundle.sparse.predictSparse(bundle.sparseIdx, bundle.sparseVals, n);
        fast = 2;
      }
    }
    let x: Features | null = null;
    if (fast !== 0) {
      if (regression) label = out;
      else {
        p = out;
        probability = p;
        label = p > 1 - p;
      }
    } else {
      x = bundle.features(event, false);
      const pred: Prediction = bundle.predictFeatures(x);
      label = pred.prediction;
      if (pred.probabilities) {
        if (this.task === 'binary') p = pred.probabilities.true ?? 0;
        probability = this.task === 'binary' ? p : maxValue(pred.probabilities);
      }
    }
    if (labelled) {
      // the monitor may react to this event (onDrift, synchronously): the new model learns it
      if (this.observer !== null) this.notify(this.observer, y, label, probability, ts);
      if (this.bundle !== bundle) this.learnFresh(event, y);
      else if (fast === 1) bundle.dense!.learnDense(bundle.row, y);
      else if (fast === 2) bundle.sparse!.learnSparse(bundle.sparseIdx, bundle.sparseVals, n, y);
      else {
        // without a scaler the features learned are those just predicted from (see `admit`)
        const xl = bundle.scaler ? bundle.features(event, true) : bundle.admit(event, x!);
        if (this.miniBatch === 1) bundle.model.learnOne(xl, y);
        else this.addToBatch(xl, y);
      }
    }
    if (this.cfg.predictions) {
      this.predictionRows.push({
        pipeline: this.pipeline,
        model: this.modelName,
        partition: origin.partition,
        offset: Number(origin.offset),
        ts,
        events: this.labelled,
        key: event.key ?? null,
        label: labelled ? (regression ? (y as number) : String(y)) : null,
        prediction: label === null ? null : regression ? finiteOrNull(label as number) : String(label),
        probability: probability === null ? null : finiteOrNull(probability),
      });
    }
    if (!labelled) return;
    this.evaluator.update(y, label, p);
    this.labelled++;
    this.dirty = true;
    if (interval === undefined && this.labelled % this.cfg.metricsEvery === 0) this.emitRow(ts);
  }

  /**
   * Sets (or with null removes) the receiver of each labelled event's prediction and error,
   * called synchronously after the prediction and before learning. Nothing is computed without one.
   *
   * @example
   * learner.setObserver((stream, value, ts) => monitor.observeValue(stream, value, ts));
   */
  setObserver(fn: LearnerObserver | null): void {
    this.observer = fn;
  }

  /**
   * The drift monitor's reaction hook: starts a fresh model (metrics and counters keep running,
   * a pending mini-batch is dropped, the new model is published after the next checkpoint with
   * `reason: 'drift-reset'`). With `new-version` the replaced model is first published as a
   * version of its own (`reason: 'pre-drift'`) to roll back to; it is kept in the snapshot until
   * then. A reaction raised through {@link setObserver} comes while an event is being processed:
   * the new model learns that event. A model that learned nothing is not kept.
   */
  onDrift(reaction: DriftReaction, alert: Alert): void {
    if (reaction === 'new-version' && this.labelled > this.modelSince) {
      const state = this.snapshot() as unknown as LearnerState;
      delete state.preDrift;
      delete state.knownVersion;
      state.resetUnpublished = false;
      const metrics = { overall: this.evaluator.overall(), rolling: this.evaluator.rolling() };
      this.preDrift.push({ state, metrics });
      if (this.preDrift.length > this.cfg.keepVersions) this.preDrift.shift();
    }
    this.bundle = ModelBundle.create(this.cfg);
    this.pendingX = [];
    this.pendingY = [];
    this.modelSince = this.labelled;
    this.resetUnpublished = true;
    this.dirty = true;
    this.lastDrift = {
      reaction,
      eventsSeen: this.eventsSeen,
      labelled: this.labelled,
      ts: alert.eventTime,
      alert: alert.id,
    };
    this.deps.logger.info(
      { model: this.modelName, reaction, alert: alert.id, events: this.eventsSeen },
      'drift: training a fresh model',
    );
  }

  onWatermark(watermark: number): void {
    // end of input: a last row with everything learned
    if (watermark === Number.POSITIVE_INFINITY && this.lastTs !== null) this.emitRow(this.lastTs);
  }

  get pendingRows(): number {
    return this.metricRows.length + this.predictionRows.length;
  }

  drainRows(): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    if (this.metricRows.length > 0) out.set(METRICS_TABLE, this.metricRows);
    if (this.predictionRows.length > 0) out.set(PREDICTIONS_TABLE, this.predictionRows);
    this.metricRows = [];
    this.predictionRows = [];
    return out;
  }

  snapshot(): Json {
    const state: LearnerState = {
      format: 1,
      bundle: this.bundle.toState(),
      metrics: this.evaluator.toState(),
      eventsSeen: this.eventsSeen,
      labelled: this.labelled,
      positions: this.consumed,
      lastTs: this.lastTs,
      nextRowAt: this.nextRowAt,
      lastRowEvents: this.lastRowEvents,
      pending: this.pendingX.map((x, i) => [x as Json, this.pendingY[i]!]),
      preDrift: [...this.preDrift],
      lastDrift: this.lastDrift,
      modelSince: this.modelSince,
      resetUnpublished: this.resetUnpublished,
    };
    if (this.knownVersion !== null) state.knownVersion = this.knownVersion;
    return state as unknown as Json;
  }

  /**
   * Restores a pipeline checkpoint's state, then adopts a rollback stored after that checkpoint
   * was taken (see {@link rollback}): the model is the rolled-back one, while counters, metrics
   * and positions stay the checkpoint's, so the events after it are learned by the rolled-back
   * model. The runtime must await the returned promise before feeding events; model versions
   * are published only after it settles.
   */
  restore(state: Json): Promise<void> {
    this.restoreState(state);
    const known = (state as unknown as LearnerState).knownVersion;
    const eventsAtRestore = this.eventsSeen;
    return this.serial(() => this.adoptNewerRollback(known, eventsAtRestore));
  }

  private restoreState(state: Json): void {
    const s = state as unknown as LearnerState;
    if (s?.format !== 1)
      throw new StreamlearnError('SL_ERR_CHECKPOINT', `learner ${this.modelName}: unknown state format`, {
        retriable: false,
      });
    this.bundle = ModelBundle.fromState(this.cfg, s.bundle);
    this.evaluator.loadState(s.metrics);
    this.eventsSeen = s.eventsSeen;
    this.labelled = s.labelled;
    this.lastOffsets = {};
    for (const [part, next] of Object.entries(s.positions)) this.lastOffsets[part] = String(Number(next) - 1);
    this.lastTs = s.lastTs;
    this.nextRowAt = s.nextRowAt;
    this.lastRowEvents = s.lastRowEvents;
    this.pendingX = s.pending.map(([x]) => x as Features);
    this.pendingY = s.pending.map(([, y]) => y);
    this.preDrift = [...(s.preDrift ?? [])];
    this.lastDrift = s.lastDrift ?? null;
    this.modelSince = s.modelSince ?? 0;
    this.resetUnpublished = s.resetUnpublished ?? false;
    this.metricRows = [];
    this.predictionRows = [];
    // a restore starts a run (the runtime restores only while it holds the pipeline lease)
    this.active = true;
    this.steppedDown = false;
    // whether the store already holds this state is checked before the next publish
    this.publishedVersion = undefined;
    this.knownVersion = s.knownVersion ?? null;
    this.dirty = this.labelled > 0;
  }

  /**
   * Continues from the newest rollback stored after version `known` (the newest the restored
   * state knew of), if any. Versions published after `known` from the same state are left to
   * {@link syncPublished}. Store outages are waited out: publishing needs the store anyway.
   */
  private async adoptNewerRollback(known: number | undefined, eventsAtRestore: number): Promise<void> {
    if (known === undefined) return; // a state from before rollbacks were tracked
    const { store, logger } = this.deps;
    const name = this.checkpointName;
    const patiently = <T>(fn: () => Promise<T>): Promise<T> =>
      retry(fn, {
        attempts: Number.POSITIVE_INFINITY,
        initialDelayMs: 100,
        maxDelayMs: 5_000,
        onRetry: (err, attempt) => {
          if (attempt === 1 || attempt % 10 === 0)
            logger.warn(
              { model: this.modelName, err: (err as Error).message },
              'checking for rollbacks; retrying',
            );
        },
      });
    const newer = (await patiently(() => store.listVersions(name))).filter((v) => v.version > known);
    const newest = newer.at(-1)?.version;
    for (const v of [...newer].reverse()) {
      const bytes = await patiently(() => store.loadVersion(name, v.version));
      if (!bytes) continue; // trimmed meanwhile
      const payload = decodeVersion(name, bytes);
      if (payload.metadata.reason !== 'rollback') continue;
      this.bundle = ModelBundle.fromState(this.cfg, (payload.state as unknown as LearnerState).bundle);
      this.resetUnpublished = false;
      this.publishedVersion = v.version;
      this.publishedMetadata = payload.metadata;
      this.knownVersion = newest!;
      this.dirty = false;
      if (this.eventsSeen !== eventsAtRestore)
        logger.error(
          { model: this.modelName, events: this.eventsSeen - eventsAtRestore },
          'events were fed before the restore finished: the rolled-back model did not learn them',
        );
      logger.info(
        { model: this.modelName, version: v.version, rollbackOf: payload.metadata.rollbackOf },
        'restored: continuing from the model rolled back to after the checkpoint',
      );
      return;
    }
  }

  /**
   * Starts from the newest published version (model, metrics, counters and positions), for a
   * learner that has no pipeline checkpoint to restore from. Returns its version, or null if none.
   */
  async restoreFromStore(): Promise<number | null> {
    const latest = await this.deps.store.load(this.checkpointName);
    if (!latest) {
      this.publishedVersion = null;
      return null;
    }
    const payload = decodeVersion(this.checkpointName, latest.data);
    this.restoreState(payload.state); // the newest version: no newer rollback to adopt
    this.publishedVersion = latest.version;
    this.knownVersion = latest.version;
    this.publishedMetadata = payload.metadata;
    this.dirty = false;
    return latest.version;
  }

  /** Positions (next offset per partition) after the last event this learner saw. */
  get consumed(): Positions {
    const out: Positions = {};
    for (const part in this.lastOffsets) out[part] = String(Number(this.lastOffsets[part]) + 1);
    return out;
  }

  /** Predicts without learning (the API's live predictions). */
  predict(x: Readonly<Record<string, number | string | boolean | null | undefined>>): Prediction {
    return this.bundle.predict(x);
  }

  /**
   * Publishes a version if the model changed since the last one (called after each checkpoint);
   * models kept by a `new-version` drift reaction go first, each as its own version.
   */
  /** Warns once per field whose one-hot encoding reached maxCategories (its new values now share one feature). */
  private reportFullCategoricalFields(): void {
    for (const field of this.bundle.fullCategoricalFields) {
      if (this.fullFieldsReported.has(field)) continue;
      this.fullFieldsReported.add(field);
      this.deps.logger.warn(
        { model: this.modelName, field },
        `categorical field "${field}" reached categorical.maxCategories: values first seen from now on share one feature; for a field of ids, categorical: { type: feature-hasher } keeps them apart in bounded memory`,
      );
    }
  }

  async afterCheckpoint(): Promise<void> {
    if (this.steppedDown) this.requireLease('publish'); // throws: the pipeline must stop
    if (!this.active) return;
    this.reportFullCategoricalFields();
    await this.serial(async () => {
      if (this.publishedVersion === undefined) await this.syncPublished();
      while (this.preDrift.length > 0) {
        const kept = this.preDrift[0]!;
        if (!(await this.publish(kept.state, kept.metrics, 'pre-drift'))) return;
        const i = this.preDrift.indexOf(kept);
        if (i >= 0) this.preDrift.splice(i, 1);
      }
      if (!this.dirty) return;
      const reason = this.resetUnpublished ? 'drift-reset' : undefined;
      this.resetUnpublished = false; // before the snapshot: the version must not carry it
      const state = this.snapshot() as unknown as LearnerState;
      delete state.knownVersion; // about the store, for pipeline checkpoints only
      const metrics = { overall: this.evaluator.overall(), rolling: this.evaluator.rolling() };
      if (await this.publish(state, metrics, reason)) this.dirty = false;
      else if (reason !== undefined) this.resetUnpublished = true;
    });
  }

  /** Saves `state` as the next version; false after a store outage (retried after the next checkpoint). */
  private async publish(
    state: LearnerState,
    metrics: VersionMetadata['metrics'],
    reason: VersionMetadata['reason'],
  ): Promise<boolean> {
    const lease = this.requireLease('publish');
    const metadata: VersionMetadata = {
      eventsSeen: state.eventsSeen,
      labelled: state.labelled,
      metrics,
      createdAt: this.now(),
      positions: state.positions,
      owner: lease.owner,
      token: lease.token,
      modelKind: state.bundle.model.kind,
    };
    if (reason !== undefined) metadata.reason = reason;
    const bytes = encodeVersion({ format: 1, metadata, state: state as unknown as Json });
    let version: number;
    try {
      version = await this.deps.store.save(this.checkpointName, lease, bytes, this.cfg.keepVersions);
    } catch (err) {
      if (isLeaseLost(err)) throw this.stepDown(err);
      // a store outage: keep the change and publish it after the next checkpoint
      this.deps.logger.warn(
        { err: (err as Error).message, model: this.modelName },
        'could not publish a model version; retrying after the next checkpoint',
      );
      return false;
    }
    this.publishedVersion = version;
    this.publishedMetadata = metadata;
    this.knownVersion = version;
    this.deps.logger.debug(
      { model: this.modelName, version, events: state.eventsSeen, reason },
      'model published',
    );
    return true;
  }

  /**
   * Makes `version` the newest (a copy marked `reason: 'rollback'`: history kept) and continues
   * learning from that model. Metrics and counters keep running (they describe the stream).
   * Returns the new version number.
   *
   * The copy is durable when this resolves, before any pipeline checkpoint holds the rolled-back
   * model: after a crash, {@link restore} finds it newer than the checkpoint and adopts it, so an
   * acknowledged rollback survives any crash, and the checkpoint's positions still decide which
   * events are learned next.
   */
  async rollback(version: number): Promise<number> {
    return this.serial(async () => {
      const lease = this.requireLease('roll back');
      const { store, logger } = this.deps;
      const bytes = await store.loadVersion(this.checkpointName, version);
      if (!bytes) throw versionNotFound(this.checkpointName, version);
      const payload: VersionPayload = decodeVersion(this.checkpointName, bytes);
      const metadata: VersionMetadata = {
        ...payload.metadata,
        createdAt: this.now(),
        owner: lease.owner,
        token: lease.token,
        reason: 'rollback',
        rollbackOf: version,
      };
      let created: number;
      try {
        const copy = encodeVersion({ format: 1, metadata, state: payload.state });
        created = await store.save(this.checkpointName, lease, copy, this.cfg.keepVersions);
      } catch (err) {
        if (isLeaseLost(err)) throw this.stepDown(err);
        throw err;
      }
      this.bundle = ModelBundle.fromState(this.cfg, (payload.state as unknown as LearnerState).bundle);
      this.resetUnpublished = false; // the model a drift reaction started is replaced too
      this.publishedVersion = created;
      this.publishedMetadata = metadata;
      this.knownVersion = created;
      this.dirty = false;
      logger.info({ model: this.modelName, from: version, version: created }, 'model rolled back');
      return created;
    });
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** Pushes the prediction and error of a labelled event to the observer. */
  private notify(
    fn: LearnerObserver,
    y: Label,
    label: Label | number | null,
    probability: number | null,
    ts: number,
  ): void {
    if (this.task === 'regression') {
      const yhat = label as number;
      fn('prediction', yhat, ts);
      fn('error', Math.abs((y as number) - yhat), ts);
      return;
    }
    fn('prediction', probability ?? Number.NaN, ts);
    fn('error', label !== null && String(label) === String(y) ? 0 : 1, ts);
  }

  /** Learns `event` with a model that replaced the one that predicted it (a drift reaction). */
  private learnFresh(event: Event, y: Label): void {
    const bundle = this.bundle;
    if (this.miniBatch === 1 && bundle.dense !== null && bundle.fillRow(event))
      bundle.dense.learnDense(bundle.row, y);
    else if (this.miniBatch === 1 && bundle.sparse !== null)
      bundle.sparse.learnSparse(bundle.sparseIdx, bundle.sparseVals, bundle.fillSparse(event), y);
    else {
      const xl = bundle.features(event, true);
      if (this.miniBatch === 1) bundle.model.learnOne(xl, y);
      else this.addToBatch(xl, y);
    }
  }

  private addToBatch(x: Features, y: Label): void {
    this.pendingX.push(x);
    this.pendingY.push(y);
    if (this.pendingX.length < this.miniBatch) return;
    (this.bundle.model as unknown as MiniBatchModel<Label, unknown>).learnMany(this.pendingX, this.pendingY);
    this.pendingX = [];
    this.pendingY = [];
  }

  private emitRow(evaluatedAt: number): void {
    if (this.labelled === this.lastRowEvents) return;
    this.lastRowEvents = this.labelled;
    const row: Row = {
      pipeline: this.pipeline,
      model: this.modelName,
      evaluated_at: evaluatedAt,
      events: this.labelled,
      events_seen: this.eventsSeen,
    };
    const overall = this.evaluator.overall();
    const rolling = this.evaluator.rolling();
    for (const c of this.evaluator.columns) {
      row[c] = overall[c]!;
      row[`${c}_rolling`] = rolling[c]!;
    }
    this.metricRows.push(row);
  }

  /** After a (re)start: is the state we hold already the newest stored version? */
  private async syncPublished(): Promise<void> {
    const latest = await this.deps.store.load(this.checkpointName);
    if (!latest) {
      this.publishedVersion = null;
      this.knownVersion = 0;
      return;
    }
    const { metadata } = decodeVersion(this.checkpointName, latest.data);
    this.publishedVersion = latest.version;
    this.knownVersion = latest.version;
    this.publishedMetadata = metadata;
    const same = (s: { eventsSeen: number; labelled: number }): boolean =>
      metadata.eventsSeen === s.eventsSeen && metadata.labelled === s.labelled;
    if (metadata.reason === 'pre-drift') {
      // published up to that kept model before a crash: do not publish those again
      const i = this.preDrift.findIndex((k) => same(k.state));
      if (i >= 0) this.preDrift.splice(0, i + 1);
    } else if (same(this)) {
      this.preDrift = [];
      this.resetUnpublished = false;
      this.dirty = false;
    }
  }

  private requireLease(what: string): Lease {
    const lease = this.active && !this.steppedDown ? this.deps.lease() : null;
    if (lease) return lease;
    const err = new StreamlearnError(
      'SL_ERR_LEASE_LOST',
      `model ${this.modelName}: cannot ${what}: this instance does not hold the model lease ${this.checkpointName}` +
        ' (another instance learns; send this to the learner)',
    );
    if (this.active) throw this.stepDown(err);
    throw err;
  }

  private stepDown(err: unknown): StreamlearnError {
    const e =
      err instanceof StreamlearnError
        ? err
        : new StreamlearnError('SL_ERR_LEASE_LOST', String(err), { cause: err });
    if (!this.steppedDown) {
      this.steppedDown = true;
      this.active = false;
      this.deps.logger.error(
        { model: this.modelName, err: e.message },
        'lost the model lease: another instance learns now; stepping down to serve its versions',
      );
      this.deps.onLeaseLost?.(e);
    }
    return e;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function isLeaseLost(err: unknown): err is StreamlearnError {
  return err instanceof StreamlearnError && err.code === 'SL_ERR_LEASE_LOST';
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function maxValue(r: Readonly<Record<string, number>>): number | null {
  let best: number | null = null;
  for (const k in r) if (best === null || r[k]! > best) best = r[k]!;
  return best;
}
