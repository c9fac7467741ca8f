import { z } from 'zod';
import type { DenseModel, Features, MiniBatchModel, ModelState, Regressor } from '../model.js';
import { GLM, glmRefine, glmShape } from './glm.js';
import type { SparseModel } from './sparse-model.js';

/** Options of {@link LinearRegression}; defaults are River's. */
export const LinearRegressionOptions = z.object(glmShape).strict().superRefine(glmRefine);
export type LinearRegressionOptions = z.input<typeof LinearRegressionOptions>;
/** The registry spec: options plus `type`. */
export const LinearRegressionSpec = z
  .object({ type: z.literal('linear-regression'), ...glmShape })
  .strict()
  .superRefine(glmRefine);

/**
 * Linear regression with squared loss (River's `linear_model.LinearRegression`).
 *
 * @example
 * const m = new LinearRegression();
 * m.learnOne({ a: 1 }, 2);
 * m.predictOne({ a: 1 }); // 0.08
 */
export class LinearRegression
  extends GLM
  implements Regressor, DenseModel<number>, SparseModel<number>, MiniBatchModel<number, number>
{
  readonly kind = 'linear-regression';

  constructor(options: LinearRegressionOptions = {}, state?: ModelState) {
    super(LinearRegressionOptions.parse(options), state as never);
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): LinearRegression {
    return new LinearRegression(state.options as LinearRegressionOptions, state);
  }

  // River's Squared.gradient.
  protected lossGradient(y: number, raw: number): number {
    return 2 * (raw - y);
  }

  learnOne(x: Features, y: number): void {
    this.fitOne(x, y);
  }

  predictOne(x: Features): number {
    return this.rawOne(x);
  }

  learnDense(values: Float64Array, y: number): void {
    this.fitDense(values, y);
  }

  predictDense(values: Float64Array): number {
    return this.rawDense(values);
  }

  learnSparse(indices: Int32Array, values: Float64Array, n: number, y: number): void {
    this.fitSparse(indices, values, n, y);
  }

  predictSparse(indices: Int32Array, values: Float64Array, n: number): number {
    return this.rawSparse(indices, values, n);
  }

  /** River's `learn_many`: one optimizer step on the batch's mean gradient. */
  learnMany(X: readonly Features[], Y: readonly number[]): void {
    this.fitMany(X, Y);
  }

  predictMany(X: readonly Features[]): number[] {
    return X.map((x) => this.predictOne(x));
  }

  toState(): ModelState {
    return this.glmState(this.kind);
  }
}
