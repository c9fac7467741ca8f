/**
 * The online-learning contracts, after River's `base/`: a model learns from one example at a time
 * and can be saved as plain JSON. Optional abilities (mini-batches, a dense fast path) are separate
 * interfaces, never methods that throw.
 *
 * Labels are `string | number | boolean`. Probabilities are keyed by `String(label)`, so a binary
 * classifier answers `{ false: p0, true: p1 }` like River's `{False: p0, True: p1}`.
 */

/** A JSON value: what `toState()` returns and `JSON.parse` gives back. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Numeric features by name, like River's `x` dict. A missing feature counts as 0. */
export type Features = Readonly<Record<string, number>>;

/** Raw features before preprocessing: categorical values are strings or booleans; null means missing. */
export type RawFeatures = Readonly<Record<string, number | string | boolean | null | undefined>>;

/** A class label. */
export type Label = string | number | boolean;

/** Saved model state: `kind` names the registry entry that can load it. */
export interface ModelState {
  kind: string;
  [key: string]: Json;
}

/** Anything that learns one example at a time. `learnOne` never mutates `x`. */
export interface OnlineModel<Y = unknown, P = unknown, X = Features> {
  /** Registry name, also stored in the state. */
  readonly kind: string;
  learnOne(x: X, y: Y): void;
  predictOne(x: X): P;
  /** JSON-safe snapshot; `modelFromState(JSON.parse(JSON.stringify(s)))` continues identically. */
  toState(): ModelState;
}

/** A classifier: `predictProbaOne` is keyed by `String(label)`; `predictOne` is null before any learning. */
export interface Classifier<X = Features> extends OnlineModel<Label, Label | null, X> {
  predictProbaOne(x: X): Record<string, number>;
}

/** A regressor predicts a number. */
export type Regressor<X = Features> = OnlineModel<number, number, X>;

/** Optional ability: learn and predict a batch in one call (River's `MiniBatchClassifier`). */
export interface MiniBatchModel<Y = unknown, P = unknown> {
  learnMany(X: readonly Features[], Y: readonly Y[]): void;
  predictMany(X: readonly Features[]): P[];
}

/**
 * Optional ability: a fixed feature layout given once, then dense `Float64Array` rows with no
 * per-feature name lookup. `values[k]` is the feature `names[k]` passed to `setDenseLayout`.
 * Learning through this path equals `learnOne` with every feature of the layout present.
 */
export interface DenseModel<Y = unknown> {
  setDenseLayout(names: readonly string[]): void;
  learnDense(values: Float64Array, y: Y): void;
  /** The model's raw prediction: P(true) for binary classifiers, ŷ for regressors. */
  predictDense(values: Float64Array): number;
}

/** An unsupervised preprocessing step (River's `base.Transformer`). */
export interface Transformer {
  readonly kind: string;
  learnOne(x: RawFeatures): void;
  /** A fresh object: the input is never mutated. */
  transformOne(x: RawFeatures): Record<string, number>;
  toState(): ModelState;
}

/** True for the positive class of a binary model: `true`, `1`, `'true'` or `'1'` (River: `y == True`). */
export function isPositiveLabel(y: Label): boolean {
  return y === true || y === 1 || y === 'true' || y === '1';
}

/** Has the given ability, e.g. `isDenseModel(m)` before using `learnDense`. */
export function isDenseModel<Y>(m: object): m is DenseModel<Y> {
  return typeof (m as Partial<DenseModel>).learnDense === 'function';
}

/** Has `learnMany`/`predictMany`. */
export function isMiniBatchModel<Y, P>(m: object): m is MiniBatchModel<Y, P> {
  return typeof (m as Partial<MiniBatchModel>).learnMany === 'function';
}

/** Has `predictProbaOne`. */
export function isClassifier(m: object): m is Classifier {
  return typeof (m as Partial<Classifier>).predictProbaOne === 'function';
}

/** River's `max(y_pred, key=y_pred.get)`: the first label with the largest probability, or null. */
export function argmaxKey(proba: Readonly<Record<string, number>>): string | null {
  let best: string | null = null;
  let bestP = -Infinity;
  for (const k in proba) {
    const p = proba[k] as number;
    if (p > bestP) {
      bestP = p;
      best = k;
    }
  }
  return best;
}
