import type { Json } from '../model.js';
import { RunningMean, type Metric } from './metric.js';

/** Mean absolute error. */
export class MAE implements Metric<number, number> {
  readonly name = 'mae';
  readonly biggerIsBetter = false;
  private readonly m = new RunningMean();
  update(yTrue: number, yPred: number): void {
    this.m.update(Math.abs(yTrue - yPred));
  }
  revert(yTrue: number, yPred: number): void {
    this.m.revert(Math.abs(yTrue - yPred));
  }
  get(): number {
    return this.m.mean;
  }
  toState(): Json {
    return this.m.toState();
  }
  loadState(s: Json): void {
    this.m.loadState(s);
  }
  clone(): MAE {
    return new MAE();
  }
}

/** Root mean squared error. */
export class RMSE implements Metric<number, number> {
  readonly name = 'rmse';
  readonly biggerIsBetter = false;
  private readonly m = new RunningMean();
  update(yTrue: number, yPred: number): void {
    this.m.update((yTrue - yPred) * (yTrue - yPred));
  }
  revert(yTrue: number, yPred: number): void {
    this.m.revert((yTrue - yPred) * (yTrue - yPred));
  }
  get(): number {
    return Math.sqrt(this.m.mean);
  }
  toState(): Json {
    return this.m.toState();
  }
  loadState(s: Json): void {
    this.m.loadState(s);
  }
  clone(): RMSE {
    return new RMSE();
  }
}

/**
 * Coefficient of determination, 1 − SS_res / SS_tot, with SS_tot from a Welford variance of the
 * truth (River's `R2`). 0 until two values are seen or when the truth is constant.
 */
export class R2 implements Metric<number, number> {
  readonly name = 'r2';
  readonly biggerIsBetter = true;
  private n = 0;
  private mean = 0;
  private s = 0;
  private ssRes = 0;

  private addTruth(y: number, w: number): void {
    const old = this.mean;
    this.n += w;
    this.mean = this.n === 0 ? 0 : old + (w / this.n) * (y - old);
    this.s += w * (y - old) * (y - this.mean);
  }

  update(yTrue: number, yPred: number): void {
    this.addTruth(yTrue, 1);
    this.ssRes += (yTrue - yPred) * (yTrue - yPred);
  }

  revert(yTrue: number, yPred: number): void {
    this.addTruth(yTrue, -1);
    this.ssRes -= (yTrue - yPred) * (yTrue - yPred);
  }

  get(): number {
    if (this.n > 1 && this.s !== 0) return 1 - this.ssRes / this.s;
    return 0;
  }

  toState(): Json {
    return [this.n, this.mean, this.s, this.ssRes];
  }

  loadState(s: Json): void {
    [this.n, this.mean, this.s, this.ssRes] = s as [number, number, number, number];
  }

  clone(): R2 {
    return new R2();
  }
}
