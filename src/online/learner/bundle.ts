import type { LearnerConfig } from '../../core/config/learner.js';
import { StreamlearnError } from '../../core/errors.js';
import { numberReader, type NumberReader } from '../../core/field-reader.js';
import type { Features, Json, Label, ModelState, OnlineModel, Transformer } from '../model.js';
import { isClassifier, isDenseModel, type Classifier, type DenseModel } from '../model.js';
import { MAX_SPARSE_SIZE, MODELS, createModel, isSparseModel, modelFromState } from '../models/index.js';
import type { SparseModel } from '../models/index.js';
import { HASHED_KEY_PREFIX, type HashedFields } from '../preprocessing/feature-hasher.js';
import { FeatureHasher, OneHotEncoder, StandardScaler } from '../preprocessing/index.js';

/** What a model of the registry predicts: a binary or multi-class label, or a number. */
export type Task = 'binary' | 'multiclass' | 'regression';

/** A field value as events and API requests carry it. */
type Value = number | string | boolean | null | undefined;
/** An event or an API instance: field name → value. */
export type Instance = Readonly<Record<string, Value>>;

/** One prediction: the label (or number) and, for classifiers, the probability per label. */
export interface Prediction {
  prediction: Label | number | null;
  probabilities?: Record<string, number>;
}

/** The learned parts of a bundle, as saved in checkpoints and model versions. */
export interface BundleState {
  model: ModelState;
  scaler: ModelState | null;
  /** Also `encoder`: the one-hot encoder's admitted categories (absent in states from before it kept any). */
  [key: string]: Json;
}

/**
 * A model with the feature preparation the config asks for: numeric fields (optionally through a
 * running StandardScaler) and categorical fields (one-hot or hashed, values as strings so an
 * integer code is a category, not a magnitude). Both the learner and the serving replicas use it,
 * so a replica predicts exactly as the learner would from the same state.
 *
 * When every feature is numeric, nothing is scaled and the model has a dense path, events with
 * all features present go through `learnDense`/`predictDense` (equal to the dict path by the
 * model's contract); an event with a missing feature takes the dict path, where a missing feature
 * is not touched by the update.
 *
 * When categorical features are hashed, nothing is scaled and the model has a sparse path, every
 * event goes through `learnSparse`/`predictSparse` (bit-identical to the dict path, same state):
 * numeric features as named entries, then the hasher's buckets, with no per-event objects.
 */
export class ModelBundle {
  readonly task: Task;
  readonly numeric: readonly string[];
  readonly categorical: readonly string[];
  /** Set when the dense path applies; `row` is its reusable buffer. */
  readonly dense: DenseModel<Label | number> | null;
  readonly row: Float64Array;
  /** Set when the sparse path applies; `sparseIdx`/`sparseVals` are its reusable row. */
  readonly sparse: SparseModel<Label | number> | null;
  readonly sparseIdx: Int32Array;
  readonly sparseVals: Float64Array;
  private readonly encoder: Transformer | null;
  /** The categorical fields' hasher on the sparse path (`name=` hashed once). */
  private readonly hashedFields: HashedFields | null;
  /** Reads the numeric fields of an event (not numbers as NaN) for the dense and sparse paths. */
  private readonly readNumeric: NumberReader;
  /** The numeric fields of the event on the sparse path. */
  private readonly numbers: Float64Array;

  private constructor(
    readonly cfg: LearnerConfig,
    readonly model: OnlineModel,
    readonly scaler: StandardScaler | null,
    encoderState: ModelState | null = null,
  ) {
    this.task = MODELS[cfg.model.type].task;
    this.numeric = cfg.features.numeric;
    this.categorical = cfg.features.categorical;
    this.encoder = this.categorical.length === 0 ? null : makeEncoder(cfg.categorical, encoderState);
    const denseOk = this.categorical.length === 0 && scaler === null && this.task !== 'multiclass';
    if (denseOk && isDenseModel<Label | number>(model)) {
      model.setDenseLayout(this.numeric);
      this.dense = model;
    } else this.dense = null;
    this.row = new Float64Array(this.numeric.length);
    this.readNumeric = numberReader(this.numeric);
    this.numbers = new Float64Array(this.numeric.length);
    const hasher = this.encoder instanceof FeatureHasher ? this.encoder : null;
    const sparseOk =
      hasher !== null &&
      scaler === null &&
      this.task !== 'multiclass' &&
      hasher.options.nFeatures + this.numeric.length <= MAX_SPARSE_SIZE;
    if (sparseOk && isSparseModel<Label | number>(model)) {
      model.setSparseLayout(hasher.options.nFeatures, HASHED_KEY_PREFIX, this.numeric);
      this.sparse = model;
    } else this.sparse = null;
    const width = this.sparse ? this.numeric.length + this.categorical.length : 0;
    this.sparseIdx = new Int32Array(width);
    this.sparseVals = new Float64Array(width);
    this.hashedFields = this.sparse ? hasher!.forFields(this.categorical) : null;
  }

  /** A fresh, untrained bundle. */
  static create(cfg: LearnerConfig): ModelBundle {
    return new ModelBundle(cfg, createModel(cfg.model), cfg.scale ? new StandardScaler() : null);
  }

  /** A bundle from saved state (after a JSON round trip); the kind must match the config's model. */
  static fromState(cfg: LearnerConfig, state: BundleState): ModelBundle {
    if (state.model.kind !== cfg.model.type)
      throw new StreamlearnError(
        'SL_ERR_VALIDATION',
        `stored model is a ${state.model.kind}, the config names a ${cfg.model.type}`,
      );
    const scaler = cfg.scale
      ? state.scaler
        ? StandardScaler.fromState(state.scaler)
        : new StandardScaler()
      : null;
    return new ModelBundle(
      cfg,
      modelFromState(state.model),
      scaler,
      (state.encoder as ModelState | undefined) ?? null,
    );
  }

  toState(): BundleState {
    const state: BundleState = {
      model: this.model.toState(),
      scaler: this.scaler ? this.scaler.toState() : null,
    };
    if (this.encoder instanceof OneHotEncoder) state.encoder = this.encoder.toState();
    return state;
  }

  /** Categorical fields whose one-hot encoding is full (new values share one feature). */
  get fullCategoricalFields(): string[] {
    return this.encoder instanceof OneHotEncoder ? this.encoder.fullFields : [];
  }

  /**
   * Fills `row` for the dense path; false when a feature is missing (null, absent or not finite),
   * and the dict path must be used.
   */
  fillRow(x: Instance): boolean {
    const row = this.row;
    this.readNumeric(x, row);
    for (let k = 0; k < row.length; k++) if (!Number.isFinite(row[k]!)) return false;
    return true;
  }

  /**
   * Fills `sparseIdx`/`sparseVals` for the sparse path and returns the entry count: the numeric
   * features present, then the hashed categorical ones, as {@link features} would order them.
   */
  fillSparse(x: Instance): number {
    const { numbers, sparseIdx, sparseVals } = this;
    const base = (this.encoder as FeatureHasher).options.nFeatures;
    this.readNumeric(x, numbers);
    let n = 0;
    for (let k = 0; k < numbers.length; k++) {
      const v = numbers[k]!;
      if (!Number.isFinite(v)) continue;
      sparseIdx[n] = base + k;
      sparseVals[n++] = v;
    }
    return this.hashedFields!.transformSparse(x, sparseIdx, sparseVals, n);
  }

  /** Model features of `x`; with `learn`, the scaler first learns from it (River's pipeline order). */
  features(x: Instance, learn: boolean): Features {
    const out: Record<string, number> = {};
    for (const name of this.numeric) {
      const v = x[name];
      if (typeof v === 'number' && Number.isFinite(v)) out[name] = v;
    }
    let feats: Record<string, number> = out;
    if (this.scaler) {
      if (learn) this.scaler.learnOne(out);
      feats = this.scaler.transformOne(out);
    }
    if (this.encoder) {
      const cats = this.categories(x);
      if (learn) this.encoder.learnOne(cats);
      const encoded = this.encoder.transformOne(cats);
      for (const k in encoded) feats[k] = encoded[k]!;
    }
    return feats;
  }

  /**
   * The one-hot encoder learns `x`'s categories; returns `features`, which were prepared from `x`
   * without learning. They are what learning would prepare: a value the encoder admits now was
   * already its own feature (its field was not full), and one it refuses was already the other.
   */
  admit(x: Instance, features: Features): Features {
    if (this.encoder instanceof OneHotEncoder) this.encoder.learnOne(this.categories(x));
    return features;
  }

  /** The categorical fields of `x`, values as strings (an integer code is a category). */
  private categories(x: Instance): Record<string, string> {
    const cats: Record<string, string> = {};
    for (const name of this.categorical) {
      const v = x[name];
      if (v !== null && v !== undefined) cats[name] = String(v);
    }
    return cats;
  }

  /** Predicts from prepared features. */
  predictFeatures(x: Features): Prediction {
    const m = this.model;
    if (this.task === 'regression') return { prediction: m.predictOne(x) as number };
    const c = m as Classifier;
    const probabilities = c.predictProbaOne(x);
    if (this.task === 'binary') {
      const p = probabilities.true ?? 0;
      return { prediction: p > 1 - p, probabilities };
    }
    return { prediction: c.predictOne(x), probabilities };
  }

  /** Predicts a raw instance (without learning anything). */
  predict(x: Instance): Prediction {
    let p: number | null = null;
    if (this.dense && this.fillRow(x)) p = this.dense.predictDense(this.row);
    else if (this.sparse) p = this.sparse.predictSparse(this.sparseIdx, this.sparseVals, this.fillSparse(x));
    if (p !== null) {
      if (this.task === 'regression') return { prediction: p };
      return { prediction: p > 1 - p, probabilities: { false: 1 - p, true: p } };
    }
    return this.predictFeatures(this.features(x, false));
  }

  /** True when the model is a classifier (so predictions carry probabilities). */
  get isClassifier(): boolean {
    return isClassifier(this.model);
  }
}

function makeEncoder(spec: LearnerConfig['categorical'], state: ModelState | null): Transformer {
  if (spec.type === 'one-hot') {
    const options = { maxCategories: spec.maxCategories };
    return state?.kind === 'one-hot' ? OneHotEncoder.fromState(state, options) : new OneHotEncoder(options);
  }
  const { type: _type, ...options } = spec;
  return new FeatureHasher(options);
}
