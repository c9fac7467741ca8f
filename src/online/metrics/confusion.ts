import type { Json, Label } from '../model.js';
import { positiveTest, type Metric } from './metric.js';

type Kind = 'precision' | 'recall' | 'f1';

/**
 * Binary precision, recall and F1 from running confusion counts (River's `Precision`, `Recall`,
 * `F1` with `pos_val`). An undefined ratio (no positive predictions, say) is 0, as in River and
 * scikit-learn's `zero_division=0`.
 */
abstract class BinaryConfusionMetric implements Metric<Label, Label | null> {
  abstract readonly name: Kind;
  readonly biggerIsBetter = true;
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;
  private readonly isPos: (y: Label | null) => boolean;

  constructor(readonly posLabel?: Label) {
    this.isPos = positiveTest(posLabel);
  }

  private add(yTrue: Label, yPred: Label | null, w: number): void {
    const t = this.isPos(yTrue);
    const p = this.isPos(yPred);
    if (t && p) this.tp += w;
    else if (p) this.fp += w;
    else if (t) this.fn += w;
  }

  update(yTrue: Label, yPred: Label | null): void {
    this.add(yTrue, yPred, 1);
  }

  revert(yTrue: Label, yPred: Label | null): void {
    this.add(yTrue, yPred, -1);
  }

  protected precision(): number {
    return this.tp + this.fp > 0 ? this.tp / (this.tp + this.fp) : 0;
  }

  protected recall(): number {
    return this.tp + this.fn > 0 ? this.tp / (this.tp + this.fn) : 0;
  }

  toState(): Json {
    return [this.tp, this.fp, this.fn];
  }

  loadState(s: Json): void {
    [this.tp, this.fp, this.fn] = s as [number, number, number];
  }

  abstract get(): number;
  abstract clone(): Metric<Label, Label | null>;
}

/** TP / (TP + FP). */
export class Precision extends BinaryConfusionMetric {
  readonly name = 'precision';
  get(): number {
    return this.precision();
  }
  clone(): Precision {
    return new Precision(this.posLabel);
  }
}

/** TP / (TP + FN). */
export class Recall extends BinaryConfusionMetric {
  readonly name = 'recall';
  get(): number {
    return this.recall();
  }
  clone(): Recall {
    return new Recall(this.posLabel);
  }
}

/** Harmonic mean of precision and recall: 2TP / (2TP + FP + FN). */
export class F1 extends BinaryConfusionMetric {
  readonly name = 'f1';
  get(): number {
    const d = 2 * this.tp + this.fp + this.fn;
    return d > 0 ? (2 * this.tp) / d : 0;
  }
  clone(): F1 {
    return new F1(this.posLabel);
  }
}
