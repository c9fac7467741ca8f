import { z } from 'zod';
import type { ModelState, RawFeatures, Transformer } from '../model.js';

/** OneHotEncoder has no options. */
export const OneHotEncoderOptions = z.object({}).strict();
export type OneHotEncoderOptions = z.input<typeof OneHotEncoderOptions>;
/** The registry spec. */
export const OneHotEncoderSpec = z.object({ type: z.literal('one-hot') }).strict();

/**
 * One-hot encoding of categorical values: a string or boolean feature `name` with value `v`
 * becomes `{ "name_v": 1 }` (River's naming). Unlike River's `OneHotEncoder`, numeric features
 * pass through unchanged, so one step handles mixed events. Stateless: an unseen category is
 * simply a new key, which the linear models accept as a new weight.
 */
export class OneHotEncoder implements Transformer {
  readonly kind = 'one-hot';
  readonly options = {};

  constructor(options: OneHotEncoderOptions = {}) {
    OneHotEncoderOptions.parse(options);
  }

  /** Rebuilds an encoder saved with `toState`. */
  static fromState(): OneHotEncoder {
    return new OneHotEncoder();
  }

  learnOne(): void {}

  transformOne(x: RawFeatures): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name in x) {
      const v = x[name];
      if (typeof v === 'number') out[name] = v;
      else if (typeof v === 'string' || typeof v === 'boolean') out[`${name}_${v}`] = 1;
    }
    return out;
  }

  toState(): ModelState {
    return { kind: this.kind, options: {} };
  }
}
