import { z } from 'zod';
import { FeatureIndex, fromList, grown, toList } from '../feature-index.js';
import type { Classifier, Features, Json, Label, ModelState } from '../model.js';
import { OptimizerSchema, makeOptimizer, optimizerFromState } from '../optimizers/index.js';
import type { Optimizer } from '../optimizers/index.js';
import { LabelSet, softmaxInPlace } from './labels.js';

const shape = {
  /** Each class gets its own copy of this optimizer (River deep-copies it per label). */
  optimizer: OptimizerSchema.default({ type: 'sgd', lr: 0.01 }),
  l2: z.number().nonnegative().default(0),
};
/** Options of {@link SoftmaxRegression}; defaults are River's. */
export const SoftmaxRegressionOptions = z.object(shape).strict();
export type SoftmaxRegressionOptions = z.input<typeof SoftmaxRegressionOptions>;
/** The registry spec: options plus `type`. */
export const SoftmaxRegressionSpec = z.object({ type: z.literal('softmax-regression'), ...shape }).strict();

const clampProba = (p: number): number => Math.max(Math.min(p, 1 - 1e-15), 1e-15);

/**
 * Multinomial logistic regression with cross-entropy loss (River's `linear_model.SoftmaxRegression`):
 * one weight vector and one optimizer per class, no intercept. A class seen for the first time
 * joins with zero weights and gradient `1e-15 - 1`, as in River.
 */
export class SoftmaxRegression implements Classifier {
  readonly kind = 'softmax-regression';
  readonly options: z.output<typeof SoftmaxRegressionOptions>;
  private readonly index: FeatureIndex;
  private readonly classes = new LabelSet();
  private w: Float64Array[] = [];
  private readonly opts: Optimizer[] = [];
  private scores = new Float64Array(8);

  constructor(options: SoftmaxRegressionOptions = {}, state?: ModelState) {
    this.options = SoftmaxRegressionOptions.parse(options);
    this.index = new FeatureIndex((cap) => {
      this.w = this.w.map((w) => grown(w, cap));
      for (const o of this.opts) o.grow(cap);
    });
    if (state) {
      this.index.restore(state.features as string[]);
      const cap = this.index.capacity;
      const weights = state.weights as number[][];
      const optStates = state.optimizers as Json[];
      (state.classes as Label[]).forEach((label, c) => {
        this.classes.add(label);
        this.w.push(fromList(weights[c]!, cap));
        this.opts.push(optimizerFromState(this.options.optimizer, optStates[c]!, cap));
      });
    }
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): SoftmaxRegression {
    return new SoftmaxRegression(state.options as SoftmaxRegressionOptions, state);
  }

  // Fills this.scores[0..C) with softmax probabilities for the resolved features.
  private proba(n: number): number {
    const C = this.classes.size;
    if (this.scores.length < C + 1) this.scores = new Float64Array(2 * (C + 1));
    const { idx, vals } = this.index;
    const s = this.scores;
    for (let c = 0; c < C; c++) {
      const w = this.w[c]!;
      let dot = 0;
      for (let k = 0; k < n; k++) {
        const j = idx[k]!;
        if (j >= 0) dot += w[j]! * vals[k]!;
      }
      s[c] = dot;
    }
    softmaxInPlace(s, C);
    return C;
  }

  learnOne(x: Features, y: Label): void {
    const fi = this.index;
    const n = fi.resolve(x, true);
    const C = this.proba(n);
    let target = this.classes.get(y);
    if (target < 0) {
      target = this.classes.add(y);
      this.w.push(new Float64Array(fi.capacity));
      this.opts.push(makeOptimizer(this.options.optimizer, fi.capacity));
      this.scores[target] = 0;
    }
    const l2 = this.options.l2;
    for (let c = 0; c <= Math.max(C - 1, target); c++) {
      const p = c < C ? this.scores[c]! : 0;
      const loss = clampProba(p) - (c === target ? 1 : 0);
      this.opts[c]!.step(this.w[c]!, fi.idx, fi.vals, n, loss, l2);
    }
  }

  predictProbaOne(x: Features): Record<string, number> {
    const C = this.proba(this.index.resolve(x, false));
    return this.classes.record(this.scores.subarray(0, C));
  }

  predictOne(x: Features): Label | null {
    const C = this.proba(this.index.resolve(x, false));
    return this.classes.argmax(this.scores.subarray(0, C));
  }

  toState(): ModelState {
    const size = this.index.size;
    return {
      kind: this.kind,
      options: this.options as unknown as Json,
      features: [...this.index.names],
      classes: [...this.classes.labels],
      weights: this.w.map((w) => toList(w, size)),
      optimizers: this.opts.map((o) => o.toState(size)),
    };
  }
}
