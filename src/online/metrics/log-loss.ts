import type { Json, Label } from '../model.js';
import { isPositiveLabel } from '../model.js';
import { RunningMean, positiveProba, type Metric, type ProbaPrediction } from './metric.js';

const clamp = (p: number): number => Math.max(Math.min(p, 1 - 1e-15), 1e-15);

/** Mean binary cross-entropy of P(true), probabilities clamped to [1e-15, 1 − 1e-15] (River's `LogLoss`). */
export class LogLoss implements Metric<Label, ProbaPrediction> {
  readonly name = 'log-loss';
  readonly biggerIsBetter = false;
  private readonly mean = new RunningMean();

  private static loss(yTrue: Label, yPred: ProbaPrediction): number {
    const p = clamp(positiveProba(yPred));
    return isPositiveLabel(yTrue) ? -Math.log(p) : -Math.log(1 - p);
  }

  update(yTrue: Label, yPred: ProbaPrediction): void {
    this.mean.update(LogLoss.loss(yTrue, yPred));
  }

  revert(yTrue: Label, yPred: ProbaPrediction): void {
    this.mean.revert(LogLoss.loss(yTrue, yPred));
  }

  get(): number {
    return this.mean.mean;
  }

  toState(): Json {
    return this.mean.toState();
  }

  loadState(s: Json): void {
    this.mean.loadState(s);
  }

  clone(): LogLoss {
    return new LogLoss();
  }
}
