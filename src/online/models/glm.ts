import { z } from 'zod';
import { FeatureIndex, capacityFor, fromList, grown, toList } from '../feature-index.js';
import type { Features, Json, ModelState } from '../model.js';
import {
  OptimizerSchema,
  SchedulerSchema,
  makeOptimizer,
  makeScheduler,
  optimizerFromState,
} from '../optimizers/index.js';
import { SGD } from '../optimizers/index.js';
import type { Optimizer, OptimizerOptions, Scheduler } from '../optimizers/index.js';
import { MAX_SPARSE_SIZE } from './sparse-model.js';

/** Options shared by linear and logistic regression (River's `linear_model.base.GLM`). */
export const glmShape = {
  /** Updates the weights; the intercept has its own rate (`interceptLr`). */
  optimizer: OptimizerSchema.default({ type: 'sgd', lr: 0.01 }),
  /** L2 penalty on the weights (never on the intercept). */
  l2: z.number().nonnegative().default(0),
  /** L1 penalty, applied by the cumulative-penalty method (Tsuruoka et al.) as River does. */
  l1: z.number().nonnegative().default(0),
  interceptInit: z.number().default(0),
  /** Intercept learning rate (constant or a schedule evaluated at the optimizer's step count); 0 freezes it. */
  interceptLr: SchedulerSchema.default(0.01),
  /** Clips the loss gradient to ±clipGradient. */
  clipGradient: z.number().positive().default(1e12),
};

/** River raises for l1 with l2, and its l1 path needs an optimizer with a learning rate. */
export function glmRefine(
  o: { l1: number; l2: number; optimizer: { type: string } },
  ctx: z.RefinementCtx,
): void {
  if (o.l1 !== 0 && o.l2 !== 0)
    ctx.addIssue({ code: 'custom', path: ['l1'], message: 'l1 and l2 cannot both be non-zero' });
  if (o.l1 !== 0 && o.optimizer.type === 'ftrl') {
    ctx.addIssue({
      code: 'custom',
      path: ['l1'],
      message: 'use the ftrl optimizer’s own l1 instead of the model’s',
    });
  }
}

interface GlmOptions {
  optimizer: OptimizerOptions;
  l2: number;
  l1: number;
  interceptInit: number;
  interceptLr: z.output<typeof SchedulerSchema>;
  clipGradient: number;
}

/** The index space of the sparse path and its map to weight slots. */
interface SparseLayout {
  size: number;
  prefix: string;
  names: readonly string[];
  /** Named feature → its sparse index (`size + k`). */
  byName: Map<string, number>;
  /** Sparse index → weight slot, -1 while the feature is unknown. */
  slots: Int32Array;
  /** Slots of the feature index already mapped into `slots`. */
  synced: number;
  /** Slots of the row being resolved. */
  idx: Int32Array;
}

/**
 * Generalised linear model over a growable Float64Array of weights, following River's `GLM._fit`
 * order: raw = w·x + b → loss gradient (clipped) → b -= interceptLr(t)·lg → optimizer step on
 * g = x·lg + l2·w → optional cumulative L1 penalty. Only features present in `x` are touched.
 */
export abstract class GLM {
  protected readonly index: FeatureIndex;
  protected w: Float64Array;
  protected intercept: number;
  protected readonly optimizer: Optimizer;
  private readonly interceptLr: Scheduler;
  private readonly l1: number;
  private readonly l2: number;
  private readonly clip: number;
  private maxCumL1 = 0;
  private cumL1: Float64Array | null;
  private denseIdx: Int32Array | null = null;
  /** No name repeats in the dense layout. */
  private denseDistinct = true;
  private denseLen = -1;
  private sparse: SparseLayout | null = null;
  /** The optimizer when it is SGD and there is no L1 penalty: `fit` then runs one fused loop. */
  private readonly sgd: SGD | null;
  /** `l2` is +0, so the fused loop may leave out the `l2 * w` term (see `fitSgdIndexed`). */
  private readonly noL2: boolean;
  /** Both SGD rates are constant (the default): the fused loops read them without a call. */
  private readonly fixedRates: boolean;
  private readonly sgdRate: number;
  private readonly interceptRate: number;

  protected constructor(
    readonly options: GlmOptions,
    state?: {
      features: string[];
      weights: number[];
      intercept: number;
      optimizer: Json;
      maxCumL1?: number;
      cumL1?: number[];
    },
  ) {
    this.index = new FeatureIndex((cap) => this.grow(cap));
    this.l1 = options.l1;
    this.l2 = options.l2;
    this.clip = options.clipGradient;
    this.interceptLr = makeScheduler(options.interceptLr);
    if (state) {
      this.index.restore(state.features);
      const cap = this.index.capacity;
      this.w = fromList(state.weights, cap);
      this.intercept = state.intercept;
      this.optimizer = optimizerFromState(options.optimizer, state.optimizer, cap);
      this.cumL1 = this.l1 !== 0 ? fromList(state.cumL1 ?? [], cap) : null;
      this.maxCumL1 = state.maxCumL1 ?? 0;
    } else {
      this.w = new Float64Array(this.index.capacity);
      this.intercept = options.interceptInit;
      this.optimizer = makeOptimizer(options.optimizer, this.index.capacity);
      this.cumL1 = this.l1 !== 0 ? new Float64Array(this.index.capacity) : null;
    }
    this.sgd = this.optimizer instanceof SGD && this.cumL1 === null ? this.optimizer : null;
    this.noL2 = Object.is(this.l2, 0);
    this.sgdRate = this.sgd?.constantRate ?? NaN;
    this.interceptRate = this.interceptLr.constant ?? NaN;
    this.fixedRates = !Number.isNaN(this.sgdRate) && !Number.isNaN(this.interceptRate);
  }

  /** d loss / d raw for target `y` (already numeric), before clipping. */
  protected abstract lossGradient(y: number, raw: number): number;

  private grow(capacity: number): void {
    // Called from inside FeatureIndex during construction-time restore, before fields exist.
    if (this.w === undefined) return;
    this.w = grown(this.w, capacity);
    this.optimizer.grow(capacity);
    if (this.cumL1) this.cumL1 = grown(this.cumL1, capacity);
  }

  /** w·x + b over the features of `x` (unknown features count as 0). */
  protected rawOne(x: Features): number {
    const fi = this.index;
    const n = fi.resolve(x, false);
    const { idx, vals } = fi;
    const w = this.w;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const j = idx[k]!;
      if (j >= 0) s += w[j]! * vals[k]!;
    }
    return s + this.intercept;
  }

  protected fitOne(x: Features, y: number): void {
    const fi = this.index;
    const n = fi.resolve(x, true);
    this.fit(fi.idx, fi.vals, n, y, true);
  }

  /** `distinct`: no slot repeats in `idx` (the keys of a dict), which `fitSgdIndexed` relies on. */
  private fit(idx: Int32Array | null, vals: Float64Array, n: number, y: number, distinct: boolean): void {
    const sgd = this.sgd;
    if (sgd !== null) {
      if (idx === null) this.fitSgdDirect(sgd, vals, n, y);
      else this.fitSgdIndexed(sgd, idx, vals, n, y, distinct);
      return;
    }
    const w = this.w;
    let s = 0;
    if (idx === null) for (let k = 0; k < n; k++) s += w[k]! * vals[k]!;
    else for (let k = 0; k < n; k++) s += w[idx[k]!]! * vals[k]!;
    let lg = this.lossGradient(y, s + this.intercept);
    const clip = this.clip;
    lg = Math.max(Math.min(lg, clip), -clip);
    this.applyStep(idx, vals, n, lg, lg);
  }

  /*
   * `fit` + `applyStep` + `SGD.step` fused into one function for slots 0..n-1: the same floating-
   * point operations in the same order (so the same bits), without the calls in between. The
   * rates are read once per step, before the iteration count moves, as `applyStep` does.
   */
  private fitSgdDirect(sgd: SGD, vals: Float64Array, n: number, y: number): void {
    const w = this.w;
    const s = dot(w, vals, n);
    let lg = this.lossGradient(y, s + this.intercept);
    const clip = this.clip;
    lg = Math.max(Math.min(lg, clip), -clip);
    const t = sgd.nIterations;
    const fixed = this.fixedRates;
    this.intercept -= (fixed ? this.interceptRate : this.interceptLr.get(t)) * lg;
    const lr = fixed ? this.sgdRate : sgd.rateAt(t);
    const l2 = this.l2;
    // See `fitSgdIndexed` for when the `l2 * w` term can be left out.
    if (this.noL2 && s - s === 0) step(w, vals, n, lr, lg);
    else for (let k = 0; k < n; k++) w[k] = w[k]! - lr * (vals[k]! * lg + l2 * w[k]!);
    sgd.nIterations = t + 1;
  }

  /** {@link fitSgdDirect} for the slots `idx[0..n)`. */
  private fitSgdIndexed(
    sgd: SGD,
    idx: Int32Array,
    vals: Float64Array,
    n: number,
    y: number,
    distinct: boolean,
  ): void {
    const w = this.w;
    let s = 0;
    for (let k = 0; k < n; k++) s += w[idx[k]!]! * vals[k]!;
    let lg = this.lossGradient(y, s + this.intercept);
    const clip = this.clip;
    lg = Math.max(Math.min(lg, clip), -clip);
    const t = sgd.nIterations;
    const fixed = this.fixedRates;
    this.intercept -= (fixed ? this.interceptRate : this.interceptLr.get(t)) * lg;
    const lr = fixed ? this.sgdRate : sgd.rateAt(t);
    const l2 = this.l2;
    // With l2 = +0 and every w[j] finite, `0 * w[j]` is ±0 and adding it changes g = x·lg at most
    // in the sign of a zero g, which `w[j] - lr * g` never shows (it could only with w[j] = -0,
    // and then `0 * w[j]` is -0 and g keeps its sign). A finite dot product `s` proves every
    // touched weight finite (an infinite one makes s infinite or NaN), so the term is dropped
    // exactly when it cannot change a bit. A repeated slot would be updated twice and could turn
    // infinite in between, hence `distinct`.
    if (this.noL2 && distinct && s - s === 0) {
      for (let k = 0; k < n; k++) {
        const j = idx[k]!;
        w[j] = w[j]! - lr * (vals[k]! * lg);
      }
    } else {
      for (let k = 0; k < n; k++) {
        const j = idx[k]!;
        w[j] = w[j]! - lr * (vals[k]! * lg + l2 * w[j]!);
      }
    }
    sgd.nIterations = t + 1;
  }

  // Intercept update, optimizer step on g = vals·scale + l2·w, then the cumulative L1 penalty.
  private applyStep(idx: Int32Array | null, vals: Float64Array, n: number, scale: number, lg: number): void {
    const opt = this.optimizer;
    this.intercept -= this.interceptLr.get(opt.nIterations) * lg;
    opt.step(this.w, idx, vals, n, scale, this.l2);
    const cum = this.cumL1;
    if (cum !== null) {
      this.maxCumL1 += this.l1 * opt.learningRate();
      const m = this.maxCumL1;
      const w = this.w;
      for (let k = 0; k < n; k++) {
        const j = idx === null ? k : idx[k]!;
        const wj = w[j]!;
        if (wj > 0) w[j] = Math.max(0, wj - (m + cum[j]!));
        else if (wj < 0) w[j] = Math.min(0, wj + (m - cum[j]!));
        cum[j] = cum[j]! + (w[j]! - wj);
      }
    }
  }

  /**
   * River's `learn_many`: one step on the batch's mean gradient (not one step per row). Columns
   * are the union of the rows' keys in first-seen order; a row missing a column counts it as 0.
   */
  protected fitMany(X: readonly Features[], ys: readonly number[]): void {
    const rows = X.length;
    if (rows === 0) return;
    const fi = this.index;
    const cols = new Map<string, number>();
    for (const x of X)
      for (const k in x) if (typeof x[k] === 'number' && !cols.has(k)) cols.set(k, cols.size);
    const idx = new Int32Array(cols.size);
    for (const [name, c] of cols) idx[c] = fi.add(name);
    const w = this.w;
    const clip = this.clip;
    const grad = new Float64Array(cols.size);
    let lgSum = 0;
    for (let i = 0; i < rows; i++) {
      const x = X[i]!;
      let s = 0;
      for (const k in x) {
        const v = x[k];
        if (typeof v === 'number') s += v * w[idx[cols.get(k)!]!]!;
      }
      let lg = this.lossGradient(ys[i]!, s + this.intercept);
      lg = Math.max(Math.min(lg, clip), -clip);
      lgSum += lg;
      for (const k in x) {
        const v = x[k];
        if (typeof v === 'number') {
          const c = cols.get(k)!;
          grad[c] = grad[c]! + v * lg;
        }
      }
    }
    for (let c = 0; c < grad.length; c++) grad[c] = grad[c]! / rows;
    this.applyStep(idx, grad, grad.length, 1, lgSum / rows);
  }

  /** Fixes the feature order of `learnDense`/`predictDense` rows. */
  setDenseLayout(names: readonly string[]): void {
    const idx = this.index.layout(names);
    let identity = true;
    for (let k = 0; k < idx.length; k++) if (idx[k] !== k) identity = false;
    // With the layout at slots 0..d-1 the loops index directly and skip the indirection.
    this.denseIdx = identity ? null : idx;
    this.denseDistinct = new Set(idx).size === idx.length;
    this.denseLen = idx.length;
  }

  protected fitDense(values: Float64Array, y: number): void {
    const n = this.checkDense(values);
    const sgd = this.sgd;
    if (sgd !== null && this.denseIdx === null) this.fitSgdDirect(sgd, values, n, y);
    else this.fit(this.denseIdx, values, n, y, this.denseDistinct);
  }

  protected rawDense(values: Float64Array): number {
    const n = this.checkDense(values);
    const w = this.w;
    const idx = this.denseIdx;
    let s = 0;
    if (idx === null) for (let k = 0; k < n; k++) s += w[k]! * values[k]!;
    else for (let k = 0; k < n; k++) s += w[idx[k]!]! * values[k]!;
    return s + this.intercept;
  }

  private checkDense(values: Float64Array): number {
    if (values.length !== this.denseLen) {
      throw new RangeError(
        `dense row has ${values.length} values; the layout has ${this.denseLen} (call setDenseLayout first)`,
      );
    }
    return this.denseLen;
  }

  /**
   * Fixes the index space of `learnSparse`/`predictSparse` (see `SparseModel`). No feature is
   * added here: as on the dict path, a feature gets its slot when first learned.
   */
  setSparseLayout(size: number, prefix: string, names: readonly string[] = []): void {
    if (size + names.length > MAX_SPARSE_SIZE)
      throw new RangeError(`a sparse layout holds at most ${MAX_SPARSE_SIZE} indices`);
    this.sparse = {
      size,
      prefix,
      names,
      byName: new Map(names.map((name, k) => [name, size + k])),
      slots: new Int32Array(size + names.length).fill(-1),
      synced: 0,
      idx: new Int32Array(16),
    };
  }

  protected fitSparse(indices: Int32Array, values: Float64Array, n: number, y: number): void {
    // indices are distinct by contract, but the fused loop must not depend on callers keeping it
    this.fit(this.resolveSparse(indices, n, true), values, n, y, false);
  }

  /** w·x + b, summed in the same order as {@link rawOne} on the dict. */
  protected rawSparse(indices: Int32Array, values: Float64Array, n: number): number {
    const idx = this.resolveSparse(indices, n, false);
    const w = this.w;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const j = idx[k]!;
      if (j >= 0) s += w[j]! * values[k]!;
    }
    return s + this.intercept;
  }

  /** Slots of sparse indices (-1: unknown); with `learn`, unknown ones get a slot by their name. */
  private resolveSparse(indices: Int32Array, n: number, learn: boolean): Int32Array {
    const sp = this.sparse;
    if (sp === null) throw new RangeError('call setSparseLayout before learnSparse/predictSparse');
    const fi = this.index;
    if (fi.size !== sp.synced) this.syncSparse(sp);
    if (sp.idx.length < n) sp.idx = new Int32Array(capacityFor(n));
    const { idx, slots } = sp;
    const len = slots.length;
    for (let k = 0; k < n; k++) {
      const i = indices[k]!;
      if (!(i >= 0 && i < len))
        throw new RangeError(`sparse index ${i} is outside the layout (0..${len - 1})`);
      let j = slots[i]!;
      if (j < 0 && learn) {
        j = fi.add(i < sp.size ? sp.prefix + i : sp.names[i - sp.size]!);
        slots[i] = j;
        sp.synced = fi.size;
      }
      idx[k] = j;
    }
    return idx;
  }

  /** Maps the slots added since the last call (restored state, the dict path) into the layout. */
  private syncSparse(sp: SparseLayout): void {
    const names = this.index.names;
    for (let j = sp.synced; j < names.length; j++) {
      const name = names[j]!;
      const named = sp.byName.get(name);
      if (named !== undefined) sp.slots[named] = j;
      else if (name.startsWith(sp.prefix)) {
        const rest = name.slice(sp.prefix.length);
        const b = Number(rest);
        if (Number.isInteger(b) && b >= 0 && b < sp.size && String(b) === rest) sp.slots[b] = j;
      }
    }
    sp.synced = names.length;
  }

  /** Weights by feature name (River's `weights`). */
  get weights(): Record<string, number> {
    const out: Record<string, number> = {};
    this.index.names.forEach((name, j) => (out[name] = this.w[j]!));
    return out;
  }

  /** The intercept (bias). */
  get bias(): number {
    return this.intercept;
  }

  protected glmState(kind: string): ModelState {
    const size = this.index.size;
    const state: ModelState = {
      kind,
      options: this.options as unknown as Json,
      features: [...this.index.names],
      weights: toList(this.w, size),
      intercept: this.intercept,
      optimizer: this.optimizer.toState(size),
    };
    if (this.cumL1) {
      state.maxCumL1 = this.maxCumL1;
      state.cumL1 = toList(this.cumL1, size);
    }
    return state;
  }
}

/** w[0..n)·v[0..n), summed left to right (unrolled by four; the same additions in the same order). */
function dot(w: Float64Array, v: Float64Array, n: number): number {
  let s = 0;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    s += w[k]! * v[k]!;
    s += w[k + 1]! * v[k + 1]!;
    s += w[k + 2]! * v[k + 2]!;
    s += w[k + 3]! * v[k + 3]!;
  }
  for (; k < n; k++) s += w[k]! * v[k]!;
  return s;
}

/** w[k] -= lr * (v[k] * lg) for k < n (unrolled by four). */
function step(w: Float64Array, v: Float64Array, n: number, lr: number, lg: number): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    w[k] = w[k]! - lr * (v[k]! * lg);
    w[k + 1] = w[k + 1]! - lr * (v[k + 1]! * lg);
    w[k + 2] = w[k + 2]! - lr * (v[k + 2]! * lg);
    w[k + 3] = w[k + 3]! - lr * (v[k + 3]! * lg);
  }
  for (; k < n; k++) w[k] = w[k]! - lr * (v[k]! * lg);
}
