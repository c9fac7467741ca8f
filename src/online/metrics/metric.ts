import type { Json, Label } from '../model.js';
import { isPositiveLabel } from '../model.js';

/**
 * An online metric (River's `metrics.base.Metric`): `update` with one (truth, prediction) pair,
 * `revert` to forget one (what `Rolling` needs), `get` the current value.
 */
export interface Metric<T = unknown, P = unknown> {
  readonly name: string;
  /** True when larger values are better (accuracy), false for losses (MAE). */
  readonly biggerIsBetter: boolean;
  update(yTrue: T, yPred: P): void;
  revert(yTrue: T, yPred: P): void;
  get(): number;
  /** A fresh metric of the same kind and options. */
  clone(): Metric<T, P>;
  /** The running statistics as JSON (options are the creator's business). */
  toState(): Json;
  /** Replaces the running statistics with ones saved by `toState`. */
  loadState(state: Json): void;
}

/** A probability of the positive class, or a probability record keyed `'true'`. */
export type ProbaPrediction = number | Readonly<Record<string, number>>;

/** P(true) from a number or `{ true: p }` (River: `y_pred.get(True, 0.0)`). */
export function positiveProba(p: ProbaPrediction): number {
  return typeof p === 'number' ? p : (p.true ?? 0);
}

/** Tells positives: `posLabel` compared by `String()`, or River's `y == True` when unset. */
export function positiveTest(posLabel: Label | undefined): (y: Label | null) => boolean {
  if (posLabel === undefined) return (y) => y !== null && isPositiveLabel(y);
  const key = String(posLabel);
  return (y) => y !== null && String(y) === key;
}

/** A running weighted mean with revert (River's `stats.Mean`). */
export class RunningMean {
  n = 0;
  mean = 0;

  update(x: number, w = 1): void {
    this.n += w;
    this.mean += (w / this.n) * (x - this.mean);
  }

  toState(): [number, number] {
    return [this.n, this.mean];
  }

  loadState(s: Json): void {
    [this.n, this.mean] = s as [number, number];
  }

  revert(x: number, w = 1): void {
    this.n -= w;
    if (this.n <= 0) {
      this.n = 0;
      this.mean = 0;
    } else this.mean -= (w / this.n) * (x - this.mean);
  }
}
