import type { Json } from '../model.js';
import type { Metric } from './metric.js';

/**
 * The metric over the last `windowSize` pairs only (River's `utils.Rolling`): when the window is
 * full, the oldest pair is reverted before the new one is added. The window is a ring buffer.
 */
export class Rolling<T, P> implements Metric<T, P> {
  readonly name: string;
  readonly biggerIsBetter: boolean;
  private readonly truths: T[];
  private readonly preds: P[];
  private start = 0;
  private size = 0;

  constructor(
    readonly metric: Metric<T, P>,
    readonly windowSize: number,
  ) {
    if (!Number.isInteger(windowSize) || windowSize < 1)
      throw new RangeError('windowSize must be a positive integer');
    this.name = `rolling-${metric.name}`;
    this.biggerIsBetter = metric.biggerIsBetter;
    this.truths = new Array<T>(windowSize);
    this.preds = new Array<P>(windowSize);
  }

  update(yTrue: T, yPred: P): void {
    const cap = this.windowSize;
    if (this.size === cap) {
      this.metric.revert(this.truths[this.start]!, this.preds[this.start]!);
      this.truths[this.start] = yTrue;
      this.preds[this.start] = yPred;
      this.start = (this.start + 1) % cap;
    } else {
      const at = (this.start + this.size) % cap;
      this.truths[at] = yTrue;
      this.preds[at] = yPred;
      this.size++;
    }
    this.metric.update(yTrue, yPred);
  }

  /** Removes a pair from the metric (it stays in the window; mirrors River, where revert is the inner metric's). */
  revert(yTrue: T, yPred: P): void {
    this.metric.revert(yTrue, yPred);
  }

  get(): number {
    return this.metric.get();
  }

  /** The inner metric's state and the window's pairs, oldest first (they must be JSON values). */
  toState(): Json {
    const pairs: Json[] = [];
    for (let i = 0; i < this.size; i++) {
      const at = (this.start + i) % this.windowSize;
      pairs.push([this.truths[at] as Json, this.preds[at] as Json]);
    }
    return { metric: this.metric.toState(), window: pairs };
  }

  loadState(state: Json): void {
    const s = state as { metric: Json; window: [T, P][] };
    this.metric.loadState(s.metric);
    this.start = 0;
    this.size = s.window.length;
    s.window.forEach(([t, p], i) => {
      this.truths[i] = t;
      this.preds[i] = p;
    });
  }

  clone(): Rolling<T, P> {
    return new Rolling(this.metric.clone(), this.windowSize);
  }
}
