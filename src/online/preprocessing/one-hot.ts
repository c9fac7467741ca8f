import { z } from 'zod';
import type { ModelState, RawFeatures, Transformer } from '../model.js';

/** OneHotEncoder's options. */
export const OneHotEncoderOptions = z
  .object({
    /**
     * Categories learned per field; values first seen after that share one `name_<other>`
     * feature, so a field of ids cannot grow the model (and its checkpoints) without bound.
     */
    maxCategories: z.number().int().positive().default(10_000),
  })
  .strict();
export type OneHotEncoderOptions = z.input<typeof OneHotEncoderOptions>;
/** The registry spec. */
export const OneHotEncoderSpec = OneHotEncoderOptions.extend({ type: z.literal('one-hot') }).strict();

/** The category that stands for every value past `maxCategories` (NUL: no JSON value spells it by chance). */
export const OTHER_CATEGORY = '\u0000other';

/**
 * One-hot encoding of categorical values: a string or boolean feature `name` with value `v`
 * becomes `{ "name_v": 1 }` (River's naming). Unlike River's `OneHotEncoder`, numeric features
 * pass through unchanged, so one step handles mixed events.
 *
 * `learnOne` admits each field's first `maxCategories` values; once a field is full, a value it
 * never admitted encodes as `name_<other>`. Before a field is full an unseen value is simply a new
 * key (which the linear models take as a new weight), so below the limit this is River's encoding.
 */
export class OneHotEncoder implements Transformer {
  readonly kind = 'one-hot';
  readonly options: Required<OneHotEncoderOptions>;
  /** Admitted values per field. */
  private readonly categories = new Map<string, Set<string>>();

  constructor(options: OneHotEncoderOptions = {}) {
    this.options = OneHotEncoderOptions.parse(options);
  }

  /** Rebuilds an encoder saved with `toState` (a state from before `maxCategories` has none admitted). */
  static fromState(state: ModelState, options?: OneHotEncoderOptions): OneHotEncoder {
    const saved = (state.options ?? {}) as OneHotEncoderOptions;
    const encoder = new OneHotEncoder(options ?? saved);
    const categories = (state.categories ?? {}) as Record<string, string[]>;
    for (const [name, values] of Object.entries(categories)) encoder.categories.set(name, new Set(values));
    return encoder;
  }

  learnOne(x: RawFeatures): void {
    const max = this.options.maxCategories;
    for (const name in x) {
      const v = x[name];
      if (typeof v !== 'string' && typeof v !== 'boolean') continue;
      let seen = this.categories.get(name);
      if (seen === undefined) this.categories.set(name, (seen = new Set()));
      if (seen.size < max) seen.add(String(v));
    }
  }

  transformOne(x: RawFeatures): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name in x) {
      const v = x[name];
      if (typeof v === 'number') out[name] = v;
      else if (typeof v === 'string' || typeof v === 'boolean')
        out[`${name}_${this.category(name, String(v))}`] = 1;
    }
    return out;
  }

  /** Fields that have reached `maxCategories`. */
  get fullFields(): string[] {
    const max = this.options.maxCategories;
    return [...this.categories].filter(([, seen]) => seen.size >= max).map(([name]) => name);
  }

  private category(name: string, value: string): string {
    const seen = this.categories.get(name);
    if (seen === undefined || seen.size < this.options.maxCategories || seen.has(value)) return value;
    return OTHER_CATEGORY;
  }

  toState(): ModelState {
    const categories: Record<string, string[]> = {};
    for (const [name, seen] of this.categories) categories[name] = [...seen];
    return { kind: this.kind, options: { ...this.options }, categories };
  }
}
