import type { Json, Label } from '../model.js';
import type { Metric } from './metric.js';

/** Share of predictions equal to the truth (labels compared by `String()`). */
export class Accuracy implements Metric<Label, Label | null> {
  readonly name = 'accuracy';
  readonly biggerIsBetter = true;
  private n = 0;
  private correct = 0;

  update(yTrue: Label, yPred: Label | null): void {
    this.n++;
    if (yPred !== null && String(yTrue) === String(yPred)) this.correct++;
  }

  revert(yTrue: Label, yPred: Label | null): void {
    this.n--;
    if (yPred !== null && String(yTrue) === String(yPred)) this.correct--;
  }

  get(): number {
    return this.n > 0 ? this.correct / this.n : 0;
  }

  toState(): Json {
    return [this.n, this.correct];
  }

  loadState(s: Json): void {
    [this.n, this.correct] = s as [number, number];
  }

  clone(): Accuracy {
    return new Accuracy();
  }
}
