import type { Json } from '../model.js';
import { grown, toList, fromList } from '../feature-index.js';
import type { Optimizer } from './optimizer.js';
import { makeScheduler, type Scheduler, type SchedulerOptions } from './schedulers.js';

/**
 * Adam (River's `optim.Adam`). The bias corrections are folded into the step size, exactly as
 * River does: `lr_t = lr * sqrt(1 - b2^(t+1)) / (1 - b1^(t+1))`, then
 * `w -= lr_t * m / (sqrt(v) + eps)`.
 */
export class Adam implements Optimizer {
  readonly type = 'adam';
  nIterations = 0;
  private readonly lr: Scheduler;
  private m: Float64Array;
  private v: Float64Array;

  constructor(
    readonly lrOptions: SchedulerOptions = 0.1,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
    capacity = 16,
  ) {
    this.lr = makeScheduler(lrOptions);
    this.m = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  learningRate(): number {
    return this.lr.get(this.nIterations);
  }

  grow(capacity: number): void {
    this.m = grown(this.m, capacity);
    this.v = grown(this.v, capacity);
  }

  step(
    w: Float64Array,
    idx: Int32Array | null,
    vals: Float64Array,
    n: number,
    scale: number,
    l2: number,
  ): void {
    const { beta1: b1, beta2: b2, eps, m, v } = this;
    const t = this.nIterations + 1;
    let lr = this.lr.get(this.nIterations) * Math.pow(1 - Math.pow(b2, t), 0.5);
    lr /= 1 - Math.pow(b1, t);
    for (let k = 0; k < n; k++) {
      const j = idx === null ? k : idx[k]!;
      const g = vals[k]! * scale + l2 * w[j]!;
      const mj = b1 * m[j]! + (1 - b1) * g;
      const vj = b2 * v[j]! + (1 - b2) * g * g;
      m[j] = mj;
      v[j] = vj;
      w[j] = w[j]! - (lr * mj) / (Math.sqrt(vj) + eps);
    }
    this.nIterations++;
  }

  toState(size: number): Json {
    return { nIterations: this.nIterations, m: toList(this.m, size), v: toList(this.v, size) };
  }

  restore(state: { nIterations: number; m: number[]; v: number[] }, capacity: number): void {
    this.nIterations = state.nIterations;
    this.m = fromList(state.m, capacity);
    this.v = fromList(state.v, capacity);
  }
}
