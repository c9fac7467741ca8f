import { z } from 'zod';
import { FeatureIndex, fromList, grown, toList } from '../feature-index.js';
import type { Classifier, Features, Json, Label, ModelState } from '../model.js';
import { LabelSet, probaFromJll } from './labels.js';

/** GaussianNB has no options (River's has none either). */
export const GaussianNBOptions = z.object({}).strict();
export type GaussianNBOptions = z.input<typeof GaussianNBOptions>;
/** The registry spec. */
export const GaussianNBSpec = z.object({ type: z.literal('gaussian-nb') }).strict();

const PDF_EPS = 10e-10;
const LOG_PDF_EPS = Math.log(PDF_EPS);
const SQRT_TAU = Math.sqrt(2 * Math.PI);

/**
 * Gaussian naive Bayes (River's `naive_bayes.GaussianNB`): per class and feature a Welford
 * mean/variance with ddof 0; the likelihood is `log(1e-9 + pdf)` and a feature the class has
 * never seen contributes `log(1e-9)`. Statistics live in typed arrays indexed by feature slot.
 */
export class GaussianNB implements Classifier {
  readonly kind = 'gaussian-nb';
  readonly options = {};
  private readonly index: FeatureIndex;
  private readonly classes = new LabelSet();
  private counts: number[] = [];
  private n: Float64Array[] = [];
  private mean: Float64Array[] = [];
  private s: Float64Array[] = [];

  constructor(_options: GaussianNBOptions = {}, state?: ModelState) {
    GaussianNBOptions.parse(_options);
    this.index = new FeatureIndex((cap) => {
      this.n = this.n.map((a) => grown(a, cap));
      this.mean = this.mean.map((a) => grown(a, cap));
      this.s = this.s.map((a) => grown(a, cap));
    });
    if (state) {
      this.index.restore(state.features as string[]);
      const cap = this.index.capacity;
      const stats = state.stats as { n: number[]; mean: number[]; s: number[] }[];
      (state.classes as Label[]).forEach((label, c) => {
        this.classes.add(label);
        this.n.push(fromList(stats[c]!.n, cap));
        this.mean.push(fromList(stats[c]!.mean, cap));
        this.s.push(fromList(stats[c]!.s, cap));
      });
      this.counts = [...(state.counts as number[])];
    }
  }

  /** Rebuilds a model saved with `toState`. */
  static fromState(state: ModelState): GaussianNB {
    return new GaussianNB({}, state);
  }

  learnOne(x: Features, y: Label): void {
    const fi = this.index;
    const len = fi.resolve(x, true);
    let c = this.classes.get(y);
    if (c < 0) {
      c = this.classes.add(y);
      this.counts.push(0);
      this.n.push(new Float64Array(fi.capacity));
      this.mean.push(new Float64Array(fi.capacity));
      this.s.push(new Float64Array(fi.capacity));
    }
    this.counts[c]!++;
    const n = this.n[c]!;
    const mean = this.mean[c]!;
    const s = this.s[c]!;
    for (let k = 0; k < len; k++) {
      const j = fi.idx[k]!;
      const v = fi.vals[k]!;
      // River's stats.Var.update with w = 1.
      const old = mean[j]!;
      n[j] = n[j]! + 1;
      const m = old + (1 / n[j]!) * (v - old);
      mean[j] = m;
      s[j] = s[j]! + (v - old) * (v - m);
    }
  }

  private jll(x: Features): number[] {
    const fi = this.index;
    const len = fi.resolve(x, false);
    let total = 0;
    for (const k of this.counts) total += k;
    const out: number[] = [];
    for (let c = 0; c < this.classes.size; c++) {
      const n = this.n[c]!;
      const mean = this.mean[c]!;
      const s = this.s[c]!;
      let sum = 0;
      for (let k = 0; k < len; k++) {
        const j = fi.idx[k]!;
        let pdf = 0;
        if (j >= 0 && n[j]! > 0) {
          const variance = s[j]! / n[j]!;
          if (variance > 0) {
            const sigma = Math.sqrt(variance);
            const z = (fi.vals[k]! - mean[j]!) / sigma;
            pdf = Math.exp(-0.5 * z * z) / SQRT_TAU / sigma;
          }
        }
        sum += j >= 0 ? Math.log(PDF_EPS + pdf) : LOG_PDF_EPS;
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
      options: {},
      features: [...this.index.names],
      classes: [...this.classes.labels],
      counts: [...this.counts],
      stats: this.n.map((n, c) => ({
        n: toList(n, size),
        mean: toList(this.mean[c]!, size),
        s: toList(this.s[c]!, size),
      })),
    } satisfies Record<string, Json>;
  }
}
