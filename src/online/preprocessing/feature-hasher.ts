import { z } from 'zod';
import type { ModelState, RawFeatures, Transformer } from '../model.js';

const shape = {
  /** Number of buckets; output keys are bucket numbers as strings. */
  nFeatures: z
    .number()
    .int()
    .positive()
    .max(2 ** 31)
    .default(2 ** 20),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Multiply by ±1 from a hash bit so collisions cancel in expectation (Weinberger et al.). */
  alternateSign: z.boolean().default(true),
};
/** Options of {@link FeatureHasher}. */
export const FeatureHasherOptions = z.object(shape).strict();
export type FeatureHasherOptions = z.input<typeof FeatureHasherOptions>;
/** The registry spec: options plus `type`. */
export const FeatureHasherSpec = z.object({ type: z.literal('feature-hasher'), ...shape }).strict();

/** MurmurHash3 (x86, 32-bit) over the UTF-16 code units of `s`, two per block. */
export function murmur3(s: string, seed: number): number {
  let h = seed >>> 0;
  const len = s.length;
  let i = 0;
  for (; i + 1 < len; i += 2) {
    let k = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < len) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hashing trick: a numeric feature `name` adds its value to bucket `hash(name)`; a string or
 * boolean feature adds 1 to bucket `hash("name=value")`. The bucket is `hash mod nFeatures`
 * and the sign (with `alternateSign`) comes from the hash's top bit. Stateless.
 */
export class FeatureHasher implements Transformer {
  readonly kind = 'feature-hasher';
  readonly options: z.output<typeof FeatureHasherOptions>;

  constructor(options: FeatureHasherOptions = {}) {
    this.options = FeatureHasherOptions.parse(options);
  }

  /** Rebuilds a hasher saved with `toState`. */
  static fromState(state: ModelState): FeatureHasher {
    return new FeatureHasher(state.options as FeatureHasherOptions);
  }

  learnOne(): void {}

  transformOne(x: RawFeatures): Record<string, number> {
    const { nFeatures, seed, alternateSign } = this.options;
    const out: Record<string, number> = {};
    for (const name in x) {
      const v = x[name];
      let h: number;
      let value: number;
      if (typeof v === 'number') {
        h = murmur3(name, seed);
        value = v;
      } else if (typeof v === 'string' || typeof v === 'boolean') {
        h = murmur3(`${name}=${v}`, seed);
        value = 1;
      } else continue;
      if (alternateSign && h >= 0x80000000) value = -value;
      const key = String(h % nFeatures);
      out[key] = (out[key] ?? 0) + value;
    }
    return out;
  }

  toState(): ModelState {
    return { kind: this.kind, options: this.options };
  }
}
