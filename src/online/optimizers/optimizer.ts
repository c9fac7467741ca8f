import type { Json } from '../model.js';

/**
 * A per-weight optimizer over typed arrays (River's `optim.base.Optimizer`, specialised).
 *
 * River builds a gradient dict `g[i] = x[i] * lossGrad + l2 * w[i]` and then calls
 * `optimizer.step(w, g)`. Each weight's gradient depends only on its own weight, so we fuse the
 * two: `step` computes `g` on the fly and allocates nothing.
 */
export interface Optimizer {
  /** Registry name of the optimizer. */
  readonly type: string;
  /** Steps taken so far (River's `n_iterations`); drives the schedules and Adam's bias correction. */
  readonly nIterations: number;
  /** The current base learning rate (River's `learning_rate` property). */
  learningRate(): number;
  /** Makes room for `capacity` weights (called when the model's weight array grows). */
  grow(capacity: number): void;
  /**
   * One step: for k < n, with `j = idx ? idx[k] : k` and `g = vals[k] * scale + l2 * w[j]`,
   * updates `w[j]`; then counts one iteration.
   */
  step(
    w: Float64Array,
    idx: Int32Array | null,
    vals: Float64Array,
    n: number,
    scale: number,
    l2: number,
  ): void;
  /** JSON state including per-weight accumulators (first `size` entries). */
  toState(size: number): Json;
}
