import { z } from 'zod';
import { FeatureIndex, fromList, grown, toList } from '../feature-index.js';
import type { Classifier, Features, Label, ModelState } from '../model.js';
import { LabelSet, probaFromJll } from './labels.js';

const shape = {
  /** Additive (Laplace/Lidstone) smoothing. */
  alpha: z.number().positive().default(1.0),
};
/** Options of {@link MultinomialNB}; defaults are River's. */
export const MultinomialNBOptions = z.object(shape).strict();
export type MultinomialNBOptions = z.input<typeof MultinomialNBOptions>;
/** The registry spec: options plus `type`. */
export const MultinomialNBSpec = z.object({ type: z.literal('multinomial-nb'), ...shape }).strict();

/**
 * Multinomial naive Bayes for counts, e.g. bag-of-words (River's `naive_bayes.MultinomialNB`).
 * `P(f|c) = (count(f, c) + alpha) / (total(c) + alpha · nTerms)`, where `nTerms` counts every
 * feature ever learned. Feature values must be non-negative frequencies.
 */
export class MultinomialNB implements Classifier {
  readonly kind = 'multinomial-nb';
  readonly options: z.output<typeof MultinomialNBOptions>;
  private readonly index: FeatureIndex;
  private readonly classes = new LabelSet();
  private counts: number[] = [];
  private totals: number[] = [];
  private fc: Float64Array[] = [];

  constructor(options: MultinomialNBOptions = {}, state?: ModelState) {
    this.options = MultinomialNBOptions.parse(options);
    this.index = new FeatureIndex((cap) => (this.fc = this.fc.map((a) => grown(a, cap))));
    if (state) {
      this.index.restore(state.features as string[]);
      const fc = state.featureCounts as number[][];
      (state.classes as Label[]).forEach((label, c) => {
        this.classes.add(label);
        this.fc.push(fromList(fc[c]!, this.index.capacity));
      });
      this.counts = [...(state.counts as number[])];
      this.totals = [...(state.totals as number[])];
    }
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): MultinomialNB {
    return new MultinomialNB(state.options as MultinomialNBOptions, state);
  }

  learnOne(x: Features, y: Label): void {
    const fi = this.index;
    const len = fi.resolve(x, true);
    let c = this.classes.get(y);
    if (c < 0) {
      c = this.classes.add(y);
      this.counts.push(0);
      this.totals.push(0);
      this.fc.push(new Float64Array(fi.capacity));
    }
    this.counts[c]!++;
    const fc = this.fc[c]!;
    let total = this.totals[c]!;
    for (let k = 0; k < len; k++) {
      const j = fi.idx[k]!;
      fc[j] = fc[j]! + fi.vals[k]!;
      total += fi.vals[k]!;
    }
    this.totals[c] = total;
  }

  private jll(x: Features): number[] {
    const fi = this.index;
    const len = fi.resolve(x, false);
    const alpha = this.options.alpha;
    const nTerms = fi.size;
    let total = 0;
    for (const k of this.counts) total += k;
    const out: number[] = [];
    for (let c = 0; c < this.classes.size; c++) {
      const fc = this.fc[c]!;
      const den = this.totals[c]! + alpha * nTerms;
      let sum = 0;
      for (let k = 0; k < len; k++) {
        const j = fi.idx[k]!;
        const num = (j >= 0 ? fc[j]! : 0) + alpha;
        sum += fi.vals[k]! * Math.log(num / den);
      }
      out.push(Math.log(this.counts[c]! / total) + sum);
    }
    return out;
  }

  predictProbaOne(x: Features): Record<string, number> {
    return this.classes.record(probaFromJll(this.jll(x)));
  }

  predictOne(x: Features): Label | null {
    return this.classes.argmax(probaFromJll(this.jll(x)));
  }

  toState(): ModelState {
    const size = this.index.size;
    return {
      kind: this.kind,
      options: this.options,
      features: [...this.index.names],
      classes: [...this.classes.labels],
      counts: [...this.counts],
      totals: [...this.totals],
      featureCounts: this.fc.map((a) => toList(a, size)),
    };
  }
}
