import type { Json, Label } from '../model.js';
import { positiveProba, positiveTest, type Metric, type ProbaPrediction } from './metric.js';

/**
 * Exact ROC AUC over the stream: the probability that a random positive scores above a random
 * negative, ties counting one half (equal to scikit-learn's `roc_auc_score`). It keeps one
 * counter pair per distinct score, so `update`/`revert` are O(1) and `get` sorts the distinct
 * scores: O(k log k). River's `ROCAUC` instead bins into `n_thresholds` confusion matrices and
 * is approximate; {@link BinnedRocAuc} reproduces that one. Returns 0 until both classes are seen.
 */
export class RocAuc implements Metric<Label, ProbaPrediction> {
  readonly name = 'roc-auc';
  readonly biggerIsBetter = true;
  private readonly counts = new Map<number, { pos: number; neg: number }>();
  private readonly isPos: (y: Label | null) => boolean;

  constructor(readonly posLabel?: Label) {
    this.isPos = positiveTest(posLabel);
  }

  private add(yTrue: Label, yPred: ProbaPrediction, w: number): void {
    const s = positiveProba(yPred);
    let c = this.counts.get(s);
    if (!c) this.counts.set(s, (c = { pos: 0, neg: 0 }));
    if (this.isPos(yTrue)) c.pos += w;
    else c.neg += w;
    if (c.pos === 0 && c.neg === 0) this.counts.delete(s);
  }

  update(yTrue: Label, yPred: ProbaPrediction): void {
    this.add(yTrue, yPred, 1);
  }

  revert(yTrue: Label, yPred: ProbaPrediction): void {
    this.add(yTrue, yPred, -1);
  }

  get(): number {
    const scores = [...this.counts.keys()].sort((a, b) => a - b);
    let negBelow = 0;
    let pairs = 0;
    let P = 0;
    for (const s of scores) {
      const c = this.counts.get(s)!;
      pairs += c.pos * (negBelow + c.neg / 2);
      negBelow += c.neg;
      P += c.pos;
    }
    const N = negBelow;
    return P > 0 && N > 0 ? pairs / (P * N) : 0;
  }

  /** `[score, positives, negatives]` per distinct score. */
  toState(): Json {
    return [...this.counts].map(([s, c]) => [s, c.pos, c.neg]);
  }

  loadState(state: Json): void {
    this.counts.clear();
    for (const [s, pos, neg] of state as [number, number, number][]) this.counts.set(s, { pos, neg });
  }

  clone(): RocAuc {
    return new RocAuc(this.posLabel);
  }
}

/** River's approximate `ROCAUC(n_thresholds)`: a trapezoid over thresholds i/(n−1) (ends nudged by 1e-7). */
export class BinnedRocAuc implements Metric<Label, ProbaPrediction> {
  readonly name = 'roc-auc-binned';
  readonly biggerIsBetter = true;
  private readonly thresholds: number[];
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;
  private readonly tn: Float64Array;
  private readonly isPos: (y: Label | null) => boolean;

  constructor(
    readonly nThresholds = 10,
    readonly posLabel?: Label,
  ) {
    if (!Number.isInteger(nThresholds) || nThresholds < 2)
      throw new RangeError('nThresholds must be an integer ≥ 2');
    this.thresholds = Array.from({ length: nThresholds }, (_, i) => i / (nThresholds - 1));
    this.thresholds[0]! -= 1e-7;
    this.thresholds[nThresholds - 1]! += 1e-7;
    this.tp = new Float64Array(nThresholds);
    this.fp = new Float64Array(nThresholds);
    this.fn = new Float64Array(nThresholds);
    this.tn = new Float64Array(nThresholds);
    this.isPos = positiveTest(posLabel);
  }

  private add(yTrue: Label, yPred: ProbaPrediction, w: number): void {
    const p = positiveProba(yPred);
    const t = this.isPos(yTrue);
    for (let i = 0; i < this.thresholds.length; i++) {
      const pred = p > this.thresholds[i]!;
      const arr = t ? (pred ? this.tp : this.fn) : pred ? this.fp : this.tn;
      arr[i] = arr[i]! + w;
    }
  }

  update(yTrue: Label, yPred: ProbaPrediction): void {
    this.add(yTrue, yPred, 1);
  }

  revert(yTrue: Label, yPred: ProbaPrediction): void {
    this.add(yTrue, yPred, -1);
  }

  get(): number {
    const n = this.thresholds.length;
    const tpr: number[] = [];
    const fpr: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = this.tp[i]! + this.fn[i]!;
      const b = this.fp[i]! + this.tn[i]!;
      tpr.push(a ? this.tp[i]! / a : 0);
      fpr.push(b ? this.fp[i]! / b : 0);
    }
    // -trapezoid(y=tpr, x=fpr): fpr decreases with the threshold.
    let area = 0;
    for (let i = 1; i < n; i++) area += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
    return -area;
  }

  toState(): Json {
    return { tp: [...this.tp], fp: [...this.fp], fn: [...this.fn], tn: [...this.tn] };
  }

  loadState(state: Json): void {
    const s = state as Record<'tp' | 'fp' | 'fn' | 'tn', number[]>;
    this.tp.set(s.tp);
    this.fp.set(s.fp);
    this.fn.set(s.fn);
    this.tn.set(s.tn);
  }

  clone(): BinnedRocAuc {
    return new BinnedRocAuc(this.nThresholds, this.posLabel);
  }
}
