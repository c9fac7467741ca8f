/**
 * Optional ability of a model, next to `DenseModel` (src/online/model.ts): sparse rows of
 * (index, value) pairs in typed arrays, with no feature names per example. Index `i < size` is the
 * feature `prefix + i` (a hashed bucket, as the feature hasher names it), index `size + k` is the
 * feature `names[k]`. Learning and predicting through this path give bit-identical results (and
 * the same saved state) as `learnOne`/`predictOne` on the dict with those names in that order.
 */
export interface SparseModel<Y = unknown> {
  /** Fixes the index space; features already known (restored state) keep their slots. */
  setSparseLayout(size: number, prefix: string, names?: readonly string[]): void;
  /** Learns the row `indices[0..n)`/`values[0..n)` (indices distinct, in the dict's key order). */
  learnSparse(indices: Int32Array, values: Float64Array, n: number, y: Y): void;
  /** The model's raw prediction: P(true) for binary classifiers, ŷ for regressors. */
  predictSparse(indices: Int32Array, values: Float64Array, n: number): number;
}

/** Largest index space a sparse layout accepts (its slot table is an Int32Array of that length). */
export const MAX_SPARSE_SIZE = 2 ** 22;

/** Has `learnSparse`/`predictSparse`. */
export function isSparseModel<Y>(m: object): m is SparseModel<Y> {
  return typeof (m as Partial<SparseModel>).learnSparse === 'function';
}
