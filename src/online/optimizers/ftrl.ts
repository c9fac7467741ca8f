import type { Json } from '../model.js';
import { grown, toList, fromList } from '../feature-index.js';
import type { Optimizer } from './optimizer.js';

/**
 * FTRL-Proximal (River's `optim.FTRLProximal`, McMahan et al. 2013). As in River, a weight is
 * recomputed from `z`/`n` at the start of the step that touches it (and left unchanged when
 * `|z| <= l1`), then `z` and `n` absorb the gradient. It has no learning-rate schedule;
 * `learningRate()` reports `alpha`.
 */
export class FTRLProximal implements Optimizer {
  readonly type = 'ftrl';
  nIterations = 0;
  private z: Float64Array;
  private n: Float64Array;

  constructor(
    readonly alpha = 0.05,
    readonly beta = 1.0,
    readonly l1 = 0.0,
    readonly l2 = 1.0,
    capacity = 16,
  ) {
    this.z = new Float64Array(capacity);
    this.n = new Float64Array(capacity);
  }

  learningRate(): number {
    return this.alpha;
  }

  grow(capacity: number): void {
    this.z = grown(this.z, capacity);
    this.n = grown(this.n, capacity);
  }

  step(
    w: Float64Array,
    idx: Int32Array | null,
    vals: Float64Array,
    count: number,
    scale: number,
    l2w: number,
  ): void {
    const { alpha, beta, l1, l2, z, n } = this;
    // River computes the whole gradient dict (with the model's own l2 term) before the step.
    // The FTRL recompute below changes w, so gradients are taken from the pre-step weights.
    for (let k = 0; k < count; k++) {
      const j = idx === null ? k : idx[k]!;
      const g = vals[k]! * scale + l2w * w[j]!;
      const zj = z[j]!;
      const nj = n[j]!;
      if (Math.abs(zj) > l1) w[j] = -(1 / ((beta + Math.sqrt(nj)) / alpha + l2)) * (zj - Math.sign(zj) * l1);
      const s = (Math.sqrt(nj + g * g) - Math.sqrt(nj)) / alpha;
      z[j] = zj + (g - s * w[j]!);
      n[j] = nj + g * g;
    }
    this.nIterations++;
  }

  toState(size: number): Json {
    return { nIterations: this.nIterations, z: toList(this.z, size), n: toList(this.n, size) };
  }

  restore(state: { nIterations: number; z: number[]; n: number[] }, capacity: number): void {
    this.nIterations = state.nIterations;
    this.z = fromList(state.z, capacity);
    this.n = fromList(state.n, capacity);
  }
}
