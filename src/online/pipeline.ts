import type { Classifier, Json, Label, ModelState, OnlineModel, RawFeatures, Transformer } from './model.js';
import { isClassifier } from './model.js';
import { transformerFromState } from './preprocessing/index.js';

/**
 * Transformers followed by a final model, itself an online model (River's `compose.Pipeline`).
 * As in River, `learnOne` updates each transformer **before** transforming `x` for the next step,
 * and predictions transform with the current statistics without updating them.
 *
 * @example
 * const p = new Pipeline([new StandardScaler()], new LogisticRegression());
 * p.learnOne({ a: 3 }, true);
 */
export class Pipeline<Y = unknown, P = unknown> implements OnlineModel<Y, P, RawFeatures> {
  readonly kind = 'pipeline';

  constructor(
    readonly steps: readonly Transformer[],
    readonly model: OnlineModel<Y, P>,
  ) {}

  /** Rebuilds a pipeline; `loadModel` loads the final model's state (the model registry's `modelFromState`). */
  static fromState(
    state: ModelState,
    loadModel: (s: ModelState) => OnlineModel,
  ): Pipeline | ClassifierPipeline {
    const steps = (state.steps as ModelState[]).map(transformerFromState);
    const model = loadModel(state.model as ModelState);
    return isClassifier(model) ? new ClassifierPipeline(steps, model) : new Pipeline(steps, model);
  }

  /** `x` after every step, without learning. */
  transform(x: RawFeatures): Record<string, number> {
    let out = x as Record<string, number>;
    for (const step of this.steps) out = step.transformOne(out);
    return out;
  }

  learnOne(x: RawFeatures, y: Y): void {
    let out = x;
    for (const step of this.steps) {
      step.learnOne(out);
      out = step.transformOne(out);
    }
    this.model.learnOne(out as Record<string, number>, y);
  }

  predictOne(x: RawFeatures): P {
    return this.model.predictOne(this.transform(x));
  }

  toState(): ModelState {
    return {
      kind: this.kind,
      steps: this.steps.map((s) => s.toState() as Json),
      model: this.model.toState() as Json,
    };
  }
}

/** A pipeline whose final model is a classifier. */
export class ClassifierPipeline extends Pipeline<Label, Label | null> implements Classifier<RawFeatures> {
  constructor(
    steps: readonly Transformer[],
    override readonly model: Classifier,
  ) {
    super(steps, model);
  }

  predictProbaOne(x: RawFeatures): Record<string, number> {
    return this.model.predictProbaOne(this.transform(x));
  }
}
