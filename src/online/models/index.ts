import { z } from 'zod';
import { StreamlearnError } from '../../core/errors.js';
import type { ModelState, OnlineModel } from '../model.js';
import { isClassifier } from '../model.js';
import { ClassifierPipeline, Pipeline } from '../pipeline.js';
import { TransformerSpecSchema, createTransformer } from '../preprocessing/index.js';
import { GaussianNB, GaussianNBSpec } from './gaussian-nb.js';
import { LinearRegression, LinearRegressionSpec } from './linear-regression.js';
import { LogisticRegression, LogisticRegressionSpec } from './logistic-regression.js';
import { MultinomialNB, MultinomialNBSpec } from './multinomial-nb.js';
import { PAClassifier, PAClassifierSpec, PARegressor, PARegressorSpec } from './passive-aggressive.js';
import { SoftmaxRegression, SoftmaxRegressionSpec } from './softmax-regression.js';

export { GaussianNB, GaussianNBOptions, GaussianNBSpec } from './gaussian-nb.js';
export { LinearRegression, LinearRegressionOptions, LinearRegressionSpec } from './linear-regression.js';
export {
  LogisticRegression,
  LogisticRegressionOptions,
  LogisticRegressionSpec,
  sigmoid,
} from './logistic-regression.js';
export { MultinomialNB, MultinomialNBOptions, MultinomialNBSpec } from './multinomial-nb.js';
export {
  PAClassifier,
  PAClassifierOptions,
  PAClassifierSpec,
  PARegressor,
  PARegressorOptions,
  PARegressorSpec,
} from './passive-aggressive.js';
export { SoftmaxRegression, SoftmaxRegressionOptions, SoftmaxRegressionSpec } from './softmax-regression.js';
export { isSparseModel, MAX_SPARSE_SIZE, type SparseModel } from './sparse-model.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- each factory validates its own options */
/**
 * The model registry: `type` → spec schema, factory and loader. Adding a model is one file and
 * one line here; the conformance suite then tests it.
 */
export const MODELS = {
  'logistic-regression': {
    task: 'binary',
    spec: LogisticRegressionSpec,
    create: (o: any) => new LogisticRegression(o),
    fromState: LogisticRegression.fromState,
  },
  'softmax-regression': {
    task: 'multiclass',
    spec: SoftmaxRegressionSpec,
    create: (o: any) => new SoftmaxRegression(o),
    fromState: SoftmaxRegression.fromState,
  },
  'linear-regression': {
    task: 'regression',
    spec: LinearRegressionSpec,
    create: (o: any) => new LinearRegression(o),
    fromState: LinearRegression.fromState,
  },
  'pa-classifier': {
    task: 'binary',
    spec: PAClassifierSpec,
    create: (o: any) => new PAClassifier(o),
    fromState: PAClassifier.fromState,
  },
  'pa-regressor': {
    task: 'regression',
    spec: PARegressorSpec,
    create: (o: any) => new PARegressor(o),
    fromState: PARegressor.fromState,
  },
  'gaussian-nb': {
    task: 'multiclass',
    spec: GaussianNBSpec,
    create: () => new GaussianNB(),
    fromState: GaussianNB.fromState,
  },
  'multinomial-nb': {
    task: 'multiclass',
    spec: MultinomialNBSpec,
    create: (o: any) => new MultinomialNB(o),
    fromState: MultinomialNB.fromState,
  },
} as const;
/* eslint-enable @typescript-eslint/no-explicit-any */

export type ModelType = keyof typeof MODELS;

/** A single model as written in a config: `{ type, ...options }`. */
export const BaseModelSpecSchema = z.discriminatedUnion('type', [
  LogisticRegressionSpec,
  SoftmaxRegressionSpec,
  LinearRegressionSpec,
  PAClassifierSpec,
  PARegressorSpec,
  GaussianNBSpec,
  MultinomialNBSpec,
]);

/** Preprocessing steps then a model. */
export const PipelineSpec = z
  .object({ type: z.literal('pipeline'), steps: z.array(TransformerSpecSchema), model: BaseModelSpecSchema })
  .strict();

/** Any model the config can name, pipelines included. */
export const ModelSpecSchema = z.union([BaseModelSpecSchema, PipelineSpec]);
export type ModelSpec = z.input<typeof ModelSpecSchema>;

/** Builds a model from its spec; bad options fail here with SL_ERR_CONFIG naming the field. */
export function createModel(spec: ModelSpec): OnlineModel {
  const parsed = ModelSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new StreamlearnError('SL_ERR_CONFIG', `invalid model spec: ${detail}`);
  }
  const s = parsed.data;
  if (s.type === 'pipeline') {
    const steps = s.steps.map(createTransformer);
    const model = createModel(s.model);
    return isClassifier(model) ? new ClassifierPipeline(steps, model) : new Pipeline(steps, model);
  }
  const { type, ...options } = s;
  return MODELS[type].create(options);
}

/** Loads any model saved with `toState()` (after a JSON round trip). */
export function modelFromState(state: ModelState): OnlineModel {
  if (state.kind === 'pipeline') return Pipeline.fromState(state, modelFromState);
  const entry = MODELS[state.kind as ModelType];
  if (!entry) throw new StreamlearnError('SL_ERR_VALIDATION', `unknown model kind in state: ${state.kind}`);
  return entry.fromState(state);
}
