import { z } from 'zod';
import { FeatureIndex, fromList, grown, toList } from '../feature-index.js';
import type { Features, ModelState, RawFeatures, Transformer } from '../model.js';

const shape = { withStd: z.boolean().default(true) };
/** Options of {@link StandardScaler}; defaults are River's. */
export const StandardScalerOptions = z.object(shape).strict();
export type StandardScalerOptions = z.input<typeof StandardScalerOptions>;
/** The registry spec: options plus `type`. */
export const StandardScalerSpec = z.object({ type: z.literal('standard-scaler'), ...shape }).strict();

/**
 * Scales each numeric feature to zero mean and unit variance with running statistics
 * (River's `preprocessing.StandardScaler`, population variance). A feature whose variance is
 * still 0 maps to 0. Non-numeric values are left out of the output.
 */
export class StandardScaler implements Transformer {
  readonly kind = 'standard-scaler';
  readonly options: z.output<typeof StandardScalerOptions>;
  private readonly index: FeatureIndex;
  private counts: Float64Array;
  private means: Float64Array;
  private vars: Float64Array;

  constructor(options: StandardScalerOptions = {}, state?: ModelState) {
    this.options = StandardScalerOptions.parse(options);
    this.index = new FeatureIndex((cap) => {
      if (this.counts === undefined) return;
      this.counts = grown(this.counts, cap);
      this.means = grown(this.means, cap);
      this.vars = grown(this.vars, cap);
    });
    if (state) this.index.restore(state.features as string[]);
    const cap = this.index.capacity;
    this.counts = fromList((state?.counts as number[]) ?? [], cap);
    this.means = fromList((state?.means as number[]) ?? [], cap);
    this.vars = fromList((state?.vars as number[]) ?? [], cap);
  }

  /** Rebuilds a scaler saved with `toState`. */
  static fromState(state: ModelState): StandardScaler {
    return new StandardScaler(state.options as StandardScalerOptions, state);
  }

  learnOne(x: RawFeatures): void {
    const fi = this.index;
    const len = fi.resolve(x as Features, true);
    const { counts, means, vars } = this;
    for (let k = 0; k < len; k++) {
      const j = fi.idx[k]!;
      const v = fi.vals[k]!;
      const c = counts[j]! + 1;
      counts[j] = c;
      const old = means[j]!;
      const m = old + (v - old) / c;
      means[j] = m;
      vars[j] = vars[j]! + ((v - old) * (v - m) - vars[j]!) / c;
    }
  }

  transformOne(x: RawFeatures): Record<string, number> {
    const fi = this.index;
    const len = fi.resolve(x as Features, false);
    const withStd = this.options.withStd;
    const out: Record<string, number> = {};
    for (let k = 0; k < len; k++) {
      const j = fi.idx[k]!;
      const v = fi.vals[k]!;
      const key = fi.keyAt(k);
      if (j < 0) out[key] = withStd ? 0.0 : v;
      else if (!withStd) out[key] = v - this.means[j]!;
      else {
        const variance = this.vars[j]!;
        out[key] = variance ? (v - this.means[j]!) / Math.sqrt(variance) : 0.0;
      }
    }
    return out;
  }

  toState(): ModelState {
    const size = this.index.size;
    return {
      kind: this.kind,
      options: this.options,
      features: [...this.index.names],
      counts: toList(this.counts, size),
      means: toList(this.means, size),
      vars: toList(this.vars, size),
    };
  }
}
