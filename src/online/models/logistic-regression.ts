import { z } from 'zod';
import { isPositiveLabel } from '../model.js';
import type { Classifier, DenseModel, Features, Label, MiniBatchModel, ModelState } from '../model.js';
import { GLM, glmRefine, glmShape } from './glm.js';
import type { SparseModel } from './sparse-model.js';

const shape = {
  ...glmShape,
  /** Log-loss weight of positive examples (River's `optim.losses.Log(weight_pos)`). */
  weightPos: z.number().positive().default(1),
  /** Log-loss weight of negative examples. */
  weightNeg: z.number().positive().default(1),
};

/** Options of {@link LogisticRegression}; defaults are River's. */
export const LogisticRegressionOptions = z.object(shape).strict().superRefine(glmRefine);
export type LogisticRegressionOptions = z.input<typeof LogisticRegressionOptions>;
/** The registry spec: options plus `type`. */
export const LogisticRegressionSpec = z
  .object({ type: z.literal('logistic-regression'), ...shape })
  .strict()
  .superRefine(glmRefine);

/** River's `utils.math.sigmoid`, which saturates to exactly 0/1 beyond ±30. */
export function sigmoid(x: number): number {
  if (x < -30) return 0;
  if (x > 30) return 1;
  return 1 / (1 + Math.exp(-x));
}

/**
 * Binary logistic regression (River's `linear_model.LogisticRegression`) with log loss.
 * The positive class is `true`/`1`/`'true'`/`'1'`; probabilities are keyed `'false'`/`'true'`.
 *
 * @example
 * const m = new LogisticRegression({ optimizer: { type: 'sgd', lr: 0.1 } });
 * m.learnOne({ a: 1 }, true);
 * m.predictProbaOne({ a: 1 }); // { false: 0.4875…, true: 0.5124… }
 */
export class LogisticRegression
  extends GLM
  implements Classifier, DenseModel<Label>, SparseModel<Label>, MiniBatchModel<Label, Label | null>
{
  readonly kind = 'logistic-regression';
  private readonly wPos: number;
  private readonly wNeg: number;

  constructor(options: LogisticRegressionOptions = {}, state?: ModelState) {
    const o = LogisticRegressionOptions.parse(options);
    super(o, state as never);
    this.wPos = o.weightPos;
    this.wNeg = o.weightNeg;
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): LogisticRegression {
    return new LogisticRegression(state.options as LogisticRegressionOptions, state);
  }

  // River's Log.gradient with y in {-1, 1}.
  protected lossGradient(y: number, raw: number): number {
    const weight = y > 0 ? this.wPos : this.wNeg;
    const z = raw * y;
    if (z > 18.0) return weight * Math.exp(-z) * -y;
    if (z < -18.0) return weight * -y;
    return (weight * -y) / (Math.exp(z) + 1.0);
  }

  learnOne(x: Features, y: Label): void {
    this.fitOne(x, isPositiveLabel(y) ? 1 : -1);
  }

  /** P(true). */
  predictTrue(x: Features): number {
    return sigmoid(this.rawOne(x));
  }

  predictProbaOne(x: Features): Record<string, number> {
    const p = this.predictTrue(x);
    return { false: 1.0 - p, true: p };
  }

  /** `true` when P(true) > 0.5 (River picks `False` on a tie). */
  predictOne(x: Features): boolean {
    const p = this.predictTrue(x);
    return p > 1.0 - p;
  }

  learnDense(values: Float64Array, y: Label): void {
    this.fitDense(values, isPositiveLabel(y) ? 1 : -1);
  }

  predictDense(values: Float64Array): number {
    return sigmoid(this.rawDense(values));
  }

  learnSparse(indices: Int32Array, values: Float64Array, n: number, y: Label): void {
    this.fitSparse(indices, values, n, isPositiveLabel(y) ? 1 : -1);
  }

  predictSparse(indices: Int32Array, values: Float64Array, n: number): number {
    return sigmoid(this.rawSparse(indices, values, n));
  }

  /** River's `learn_many`: one optimizer step on the batch's mean gradient. */
  learnMany(X: readonly Features[], Y: readonly Label[]): void {
    this.fitMany(
      X,
      Y.map((y) => (isPositiveLabel(y) ? 1 : -1)),
    );
  }

  predictMany(X: readonly Features[]): boolean[] {
    return X.map((x) => this.predictOne(x));
  }

  toState(): ModelState {
    return this.glmState(this.kind);
  }
}
