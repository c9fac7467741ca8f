import { z } from 'zod';
import { StreamlearnError } from '../../core/errors.js';
import type { ModelState, Transformer } from '../model.js';
import { FeatureHasher, FeatureHasherSpec } from './feature-hasher.js';
import { OneHotEncoder, OneHotEncoderSpec } from './one-hot.js';
import { StandardScaler, StandardScalerSpec } from './standard-scaler.js';

export { FeatureHasher, FeatureHasherOptions, FeatureHasherSpec, murmur3 } from './feature-hasher.js';
export { OneHotEncoder, OneHotEncoderOptions, OneHotEncoderSpec, OTHER_CATEGORY } from './one-hot.js';
export { StandardScaler, StandardScalerOptions, StandardScalerSpec } from './standard-scaler.js';

/** The registry of preprocessing steps: `type` → spec schema, factory and loader. */
export const TRANSFORMERS = {
  'standard-scaler': {
    spec: StandardScalerSpec,
    create: (o: object) => new StandardScaler(o),
    fromState: StandardScaler.fromState,
  },
  'feature-hasher': {
    spec: FeatureHasherSpec,
    create: (o: object) => new FeatureHasher(o),
    fromState: FeatureHasher.fromState,
  },
  'one-hot': {
    spec: OneHotEncoderSpec,
    create: (o: object) => new OneHotEncoder(o),
    fromState: OneHotEncoder.fromState,
  },
} as const;

/** A preprocessing step as written in a config: `{ type, ...options }`. */
export const TransformerSpecSchema = z.discriminatedUnion('type', [
  StandardScalerSpec,
  FeatureHasherSpec,
  OneHotEncoderSpec,
]);
export type TransformerSpec = z.input<typeof TransformerSpecSchema>;

/** Builds a transformer from its spec (validated here). */
export function createTransformer(spec: TransformerSpec): Transformer {
  const { type, ...options } = TransformerSpecSchema.parse(spec);
  return TRANSFORMERS[type].create(options);
}

/** Loads a transformer saved with `toState`. */
export function transformerFromState(state: ModelState): Transformer {
  const entry = TRANSFORMERS[state.kind as keyof typeof TRANSFORMERS];
  if (!entry)
    throw new StreamlearnError('SL_ERR_VALIDATION', `unknown transformer kind in state: ${state.kind}`);
  return entry.fromState(state);
}
