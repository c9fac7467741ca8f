import type { Json } from '../model.js';
import type { Optimizer } from './optimizer.js';
import { makeScheduler, type Scheduler, type SchedulerOptions } from './schedulers.js';

/** Plain stochastic gradient descent (River's `optim.SGD`): `w -= lr(t) * g`. */
export class SGD implements Optimizer {
  readonly type = 'sgd';
  nIterations = 0;
  private readonly lr: Scheduler;

  constructor(readonly lrOptions: SchedulerOptions = 0.01) {
    this.lr = makeScheduler(lrOptions);
  }

  learningRate(): number {
    return this.lr.get(this.nIterations);
  }

  /** The learning rate at iteration `t`. */
  rateAt(t: number): number {
    return this.lr.get(t);
  }

  /** The rate when it is constant (then `rateAt(t)` is this for every `t`), else NaN. */
  get constantRate(): number {
    return this.lr.constant ?? NaN;
  }

  grow(): void {}

  step(
    w: Float64Array,
    idx: Int32Array | null,
    vals: Float64Array,
    n: number,
    scale: number,
    l2: number,
  ): void {
    const lr = this.lr.get(this.nIterations);
    if (idx === null) {
      for (let k = 0; k < n; k++) w[k] = w[k]! - lr * (vals[k]! * scale + l2 * w[k]!);
    } else {
      for (let k = 0; k < n; k++) {
        const j = idx[k]!;
        w[j] = w[j]! - lr * (vals[k]! * scale + l2 * w[j]!);
      }
    }
    this.nIterations++;
  }

  toState(): Json {
    return { nIterations: this.nIterations };
  }

  restore(state: { nIterations: number }): void {
    this.nIterations = state.nIterations;
  }
}
