import type { Json } from '../model.js';
import { grown, toList, fromList } from '../feature-index.js';
import type { Optimizer } from './optimizer.js';
import { makeScheduler, type Scheduler, type SchedulerOptions } from './schedulers.js';

/** AdaGrad (River's `optim.AdaGrad`): `G += g²; w -= lr / sqrt(G + eps) * g`. */
export class AdaGrad implements Optimizer {
  readonly type = 'adagrad';
  nIterations = 0;
  private readonly lr: Scheduler;
  private g2: Float64Array;

  constructor(
    readonly lrOptions: SchedulerOptions = 0.1,
    readonly eps = 1e-8,
    capacity = 16,
  ) {
    this.lr = makeScheduler(lrOptions);
    this.g2 = new Float64Array(capacity);
  }

  learningRate(): number {
    return this.lr.get(this.nIterations);
  }

  grow(capacity: number): void {
    this.g2 = grown(this.g2, capacity);
  }

  step(
    w: Float64Array,
    idx: Int32Array | null,
    vals: Float64Array,
    n: number,
    scale: number,
    l2: number,
  ): void {
    const lr = this.lr.get(this.nIterations);
    const { eps, g2 } = this;
    for (let k = 0; k < n; k++) {
      const j = idx === null ? k : idx[k]!;
      const g = vals[k]! * scale + l2 * w[j]!;
      const acc = g2[j]! + g * g;
      g2[j] = acc;
      w[j] = w[j]! - (lr / Math.sqrt(acc + eps)) * g;
    }
    this.nIterations++;
  }

  toState(size: number): Json {
    return { nIterations: this.nIterations, g2: toList(this.g2, size) };
  }

  restore(state: { nIterations: number; g2: number[] }, capacity: number): void {
    this.nIterations = state.nIterations;
    this.g2 = fromList(state.g2, capacity);
  }
}
