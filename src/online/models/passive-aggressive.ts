import { z } from 'zod';
import { FeatureIndex, fromList, grown, toList } from '../feature-index.js';
import { isPositiveLabel } from '../model.js';
import type { Classifier, DenseModel, Features, Json, Label, ModelState, Regressor } from '../model.js';
import { sigmoid } from './logistic-regression.js';

const paShape = {
  /** Aggressiveness: caps the step (mode 1) or softens it (mode 2). */
  C: z.number().positive().default(1.0),
  /** 0: PA, 1: PA-I, 2: PA-II (Crammer et al. 2006). */
  mode: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  learnIntercept: z.boolean().default(true),
};
/** Options of {@link PAClassifier}; defaults are River's. */
export const PAClassifierOptions = z.object(paShape).strict();
export type PAClassifierOptions = z.input<typeof PAClassifierOptions>;
/** The registry spec: options plus `type`. */
export const PAClassifierSpec = z.object({ type: z.literal('pa-classifier'), ...paShape }).strict();
const regShape = { ...paShape, eps: z.number().nonnegative().default(0.1) };
/** Options of {@link PARegressor}; defaults are River's. */
export const PARegressorOptions = z.object(regShape).strict();
export type PARegressorOptions = z.input<typeof PARegressorOptions>;
/** The registry spec: options plus `type`. */
export const PARegressorSpec = z.object({ type: z.literal('pa-regressor'), ...regShape }).strict();

/** Shared state and update of River's `BasePA`: weights, intercept and the step size `tau`. */
abstract class BasePA {
  protected readonly index: FeatureIndex;
  protected w: Float64Array;
  protected intercept = 0;
  private denseIdx: Int32Array | null = null;

  protected constructor(
    readonly options: z.output<typeof PARegressorOptions> | z.output<typeof PAClassifierOptions>,
    state?: ModelState,
  ) {
    this.index = new FeatureIndex((cap) => {
      if (this.w !== undefined) this.w = grown(this.w, cap);
    });
    if (state) {
      this.index.restore(state.features as string[]);
      this.w = fromList(state.weights as number[], this.index.capacity);
      this.intercept = state.intercept as number;
    } else {
      this.w = new Float64Array(this.index.capacity);
    }
  }

  protected dot(idx: Int32Array | null, vals: Float64Array, n: number): number {
    const w = this.w;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const j = idx === null ? k : idx[k]!;
      if (j >= 0) s += w[j]! * vals[k]!;
    }
    return s + this.intercept;
  }

  // River's _calc_tau_{0,1,2}; the squared norm is computed as np.linalg.norm(x) ** 2.
  protected tau(vals: Float64Array, n: number, loss: number): number {
    let ss = 0;
    for (let k = 0; k < n; k++) ss += vals[k]! * vals[k]!;
    const nr = Math.sqrt(ss);
    const norm = nr * nr;
    const { mode, C } = this.options;
    if (mode === 2) return loss / (norm + 0.5 / C);
    if (norm > 0) return mode === 1 ? Math.min(C, loss / norm) : loss / norm;
    return 0;
  }

  protected apply(idx: Int32Array | null, vals: Float64Array, n: number, step: number): void {
    const w = this.w;
    for (let k = 0; k < n; k++) {
      const j = idx === null ? k : idx[k]!;
      w[j] = w[j]! + step * vals[k]!;
    }
    if (this.options.learnIntercept) this.intercept += step;
  }

  setDenseLayout(names: readonly string[]): void {
    const idx = this.index.layout(names);
    this.denseIdx = idx.every((j, k) => j === k) ? null : idx;
  }

  protected dense(): Int32Array | null {
    return this.denseIdx;
  }

  protected paState(kind: string): ModelState {
    const size = this.index.size;
    return {
      kind,
      options: this.options as unknown as Json,
      features: [...this.index.names],
      weights: toList(this.w, size),
      intercept: this.intercept,
    };
  }
}

/**
 * Passive-aggressive binary classifier (River's `linear_model.PAClassifier`) with hinge loss.
 * `predictProbaOne` is the sigmoid of the margin, as in River.
 */
export class PAClassifier extends BasePA implements Classifier, DenseModel<Label> {
  readonly kind = 'pa-classifier';

  constructor(options: PAClassifierOptions = {}, state?: ModelState) {
    super(PAClassifierOptions.parse(options), state);
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): PAClassifier {
    return new PAClassifier(state.options as PAClassifierOptions, state);
  }

  private fit(idx: Int32Array | null, vals: Float64Array, n: number, y: Label): void {
    const yy = isPositiveLabel(y) ? 1 : -1;
    const yPred = this.dot(idx, vals, n);
    const loss = Math.max(1.0 - yy * yPred, 0);
    this.apply(idx, vals, n, this.tau(vals, n, loss) * yy);
  }

  learnOne(x: Features, y: Label): void {
    const n = this.index.resolve(x, true);
    this.fit(this.index.idx, this.index.vals, n, y);
  }

  predictProbaOne(x: Features): Record<string, number> {
    const n = this.index.resolve(x, false);
    const p = sigmoid(this.dot(this.index.idx, this.index.vals, n));
    return { false: 1.0 - p, true: p };
  }

  predictOne(x: Features): boolean {
    const p = this.predictProbaOne(x).true!;
    return p > 1.0 - p;
  }

  learnDense(values: Float64Array, y: Label): void {
    this.fit(this.dense(), values, values.length, y);
  }

  predictDense(values: Float64Array): number {
    return sigmoid(this.dot(this.dense(), values, values.length));
  }

  toState(): ModelState {
    return this.paState(this.kind);
  }
}

/**
 * Passive-aggressive regressor (River's `linear_model.PARegressor`). River computes the loss with
 * `EpsilonInsensitiveHinge`, which maps the target through `2y - 1` (a classification leftover);
 * the step direction uses the raw target. We keep both, so the numbers match River.
 */
export class PARegressor extends BasePA implements Regressor, DenseModel<number> {
  readonly kind = 'pa-regressor';
  private readonly eps: number;

  constructor(options: PARegressorOptions = {}, state?: ModelState) {
    const o = PARegressorOptions.parse(options);
    super(o, state);
    this.eps = o.eps;
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): PARegressor {
    return new PARegressor(state.options as PARegressorOptions, state);
  }

  private fit(idx: Int32Array | null, vals: Float64Array, n: number, y: number): void {
    const yPred = this.dot(idx, vals, n);
    const loss = Math.max(Math.abs(yPred - (y * 2 - 1)) - this.eps, 0);
    this.apply(idx, vals, n, this.tau(vals, n, loss) * Math.sign(y - yPred));
  }

  learnOne(x: Features, y: number): void {
    const n = this.index.resolve(x, true);
    this.fit(this.index.idx, this.index.vals, n, y);
  }

  predictOne(x: Features): number {
    const n = this.index.resolve(x, false);
    return this.dot(this.index.idx, this.index.vals, n);
  }

  learnDense(values: Float64Array, y: number): void {
    this.fit(this.dense(), values, values.length, y);
  }

  predictDense(values: Float64Array): number {
    return this.dot(this.dense(), values, values.length);
  }

  toState(): ModelState {
    return this.paState(this.kind);
  }
}
