import { z } from 'zod';
import { checkState, type DetectorState, type DriftDetector } from '../detector.js';

/** ADWIN's options; defaults are River's. */
export const adwinOptionsSchema = z
  .object({
    /** Significance value δ of the cut test. */
    delta: z.number().gt(0).lt(1).default(0.002),
    /** Check for a cut every `clock` updates. */
    clock: z.number().int().positive().default(32),
    /** Buckets of each size kept before two are merged. */
    maxBuckets: z.number().int().positive().default(5),
    /** Sub-windows shorter than this are not compared. */
    minWindowLength: z.number().int().positive().default(5),
    /** No detection before this many values. */
    gracePeriod: z.number().int().nonnegative().default(10),
  })
  .strict();
export type AdwinOptions = z.input<typeof adwinOptionsSchema>;

interface AdwinState {
  levels: number;
  sizes: number[];
  totals: number[];
  variances: number[];
  total: number;
  variance: number;
  width: number;
  tick: number;
  nDetections: number;
  detected: boolean;
}

/** Levels of exponential histogram: level i holds buckets of 2^i values, so 64 is never reached. */
const MAX_LEVELS = 64;
/** 2^level; a table because V8's `**` on integers takes a slow path in the scan loop. */
const POW2 = Float64Array.from({ length: MAX_LEVELS }, (_, i) => 2 ** i);

/**
 * ADaptive WINdowing (Bifet & Gavaldà 2007), a line-for-line port of River's (0.26, Rust)
 * `AdaptiveWindowing` with its bucket compression and cut order, so it flags the same indices.
 * Buckets live in preallocated typed arrays: `update` allocates nothing.
 *
 * @example
 * const adwin = new Adwin();
 * stream.forEach((x, i) => { if (adwin.update(x).driftDetected) console.log(i); });
 */
export class Adwin implements DriftDetector {
  readonly name = 'adwin';
  readonly options: Required<AdwinOptions>;
  private readonly cap: number;
  private readonly totals: Float64Array;
  private readonly variances: Float64Array;
  /** Buckets in use per level (River's `current_idx`). */
  private readonly sizes: Int32Array;
  /**
   * Each level is a ring of `cap` slots starting at `heads[level]` (oldest bucket first): River
   * shifts its arrays on every merge; a ring merges without moving anything.
   */
  private readonly heads: Int32Array;
  // Options copied into fields: read per event, and a field load is cheaper than a nested one.
  // Initialised with numbers, not left undefined: V8 then stores them unboxed.
  private readonly clock: number = 0;
  private readonly minLen: number = 0;
  private readonly delta: number = 0;
  private readonly gracePeriod: number = 0;
  /** Updates left until the next cut check (River's `tick % clock`, without the division). */
  private untilCheck = 0;
  private levels = 1;
  private total = 0;
  private variance = 0;
  private width = 0;
  private tick = 0;
  private nDetections = 0;
  private detected = false;

  constructor(options: AdwinOptions = {}) {
    this.options = adwinOptionsSchema.parse(options);
    this.cap = this.options.maxBuckets + 1;
    this.totals = new Float64Array(MAX_LEVELS * this.cap);
    this.variances = new Float64Array(MAX_LEVELS * this.cap);
    this.sizes = new Int32Array(MAX_LEVELS);
    this.heads = new Int32Array(MAX_LEVELS);
    this.clock = this.options.clock;
    this.minLen = this.options.minWindowLength;
    this.delta = this.options.delta;
    this.gracePeriod = this.options.gracePeriod;
    this.untilCheck = this.clock;
  }

  get driftDetected(): boolean {
    return this.detected;
  }

  /** Current window length. */
  get windowWidth(): number {
    return this.width;
  }

  /** Mean of the current window. */
  get estimation(): number {
    return this.width === 0 ? 0 : this.total / this.width;
  }

  /** Detections since the last reset (River resets after each, so 0 or 1). */
  get detections(): number {
    return this.nDetections;
  }

  update(x: number): this {
    if (this.detected) this.reset();
    this.insert(x);
    this.detected = this.detectChange();
    return this;
  }

  reset(): void {
    this.totals.fill(0);
    this.variances.fill(0);
    this.sizes.fill(0);
    this.heads.fill(0);
    this.levels = 1;
    this.total = 0;
    this.variance = 0;
    this.width = 0;
    this.tick = 0;
    this.untilCheck = this.clock;
    this.nDetections = 0;
    this.detected = false;
  }

  private insert(value: number): void {
    const s0 = this.sizes[0]!;
    const slot = this.slot(0, s0);
    this.totals[slot] = value;
    this.variances[slot] = 0;
    this.sizes[0] = s0 + 1;
    this.width += 1;
    let inc = 0;
    if (this.width > 1) {
      const d = value - this.total / (this.width - 1);
      inc = ((this.width - 1) * d * d) / this.width;
    }
    this.variance += inc;
    this.total += value;
    if (s0 + 1 === this.cap) this.compressBuckets();
  }

  /** Array index of the `k`-th oldest bucket of `level`. */
  private slot(level: number, k: number): number {
    const cap = this.cap;
    let i = this.heads[level]! + k;
    if (i >= cap) i -= cap;
    return level * cap + i;
  }

  /** Drops the `count` oldest buckets of a level (River's `compress`). */
  private dropOldest(level: number, count: number): void {
    let h = this.heads[level]! + count;
    if (h >= this.cap) h -= this.cap;
    this.heads[level] = h;
    this.sizes[level]! -= count;
  }

  private compressBuckets(): void {
    const cap = this.cap;
    const maxBuckets = cap - 1;
    for (let level = 0; this.sizes[level] === cap; level++) {
      const first = this.slot(level, 0);
      const second = this.slot(level, 1);
      const n1 = POW2[level]!;
      const t0 = this.totals[first]!;
      const t1 = this.totals[second]!;
      const mu1 = t0 / n1;
      const mu2 = t1 / n1;
      const v12 = this.variances[first]! + this.variances[second]! + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      if (level + 1 >= this.levels) {
        if (level + 1 >= MAX_LEVELS) throw new RangeError('ADWIN window exceeds 2^64 values');
        this.levels = level + 2;
      }
      const next = this.slot(level + 1, this.sizes[level + 1]!);
      this.totals[next] = t0 + t1;
      this.variances[next] = v12;
      this.sizes[level + 1]! += 1;
      this.dropOldest(level, 2);
      if (this.sizes[level + 1]! <= maxBuckets) break;
    }
  }

  private deleteElement(): void {
    const last = this.levels - 1;
    const n = POW2[last]!;
    const oldest = this.slot(last, 0);
    const u = this.totals[oldest]!;
    const v = this.variances[oldest]!;
    const mu = u / n;
    this.width -= n;
    this.total -= u;
    const muWindow = this.total / this.width;
    this.variance -= v + (n * this.width * (mu - muWindow) * (mu - muWindow)) / (n + this.width);
    this.dropOldest(last, 1);
    if (this.sizes[last] === 0) {
      this.heads[last] = 0;
      this.levels -= 1;
    }
  }

  private detectChange(): boolean {
    this.tick += 1;
    if (--this.untilCheck !== 0) return false;
    this.untilCheck = this.clock;
    if (!(this.width > this.gracePeriod)) return false;
    let changed = false;
    while (this.scanOnce(this.minLen, this.delta)) changed = true;
    if (changed) this.nDetections += 1;
    return changed;
  }

  /**
   * One pass over the cut points, oldest bucket first, as River's inner loops; on the first
   * significant cut it drops the oldest bucket and returns true (River then scans again).
   */
  private scanOnce(minLen: number, delta: number): boolean {
    const totals = this.totals;
    const sizes = this.sizes;
    const heads = this.heads;
    const cap = this.cap;
    const width = this.width;
    // Constant through one scan; River recomputes them per cut from the same inputs.
    const deltaPrime = Math.log((2 * Math.log(width)) / delta);
    const twoThirdsDeltaPrime = (2 / 3) * deltaPrime;
    const varianceInWindow = this.variance / width;
    const twoVarianceDeltaPrime = 2 * varianceInWindow * deltaPrime;
    let n0 = 0;
    let n1 = width;
    let u0 = 0;
    let u1 = this.total;
    for (let level = this.levels - 1; level >= 0; level--) {
      const size = POW2[level]!;
      const count = sizes[level]!;
      const base = level * cap;
      const head = heads[level]!;
      for (let k = 0; k < count; k++) {
        n0 += size;
        n1 -= size;
        const t = totals[base + (head + k < cap ? head + k : head + k - cap)]!;
        u0 += t;
        u1 -= t;
        if (level === 0 && k === count - 1) return false;
        if (n1 >= minLen && n0 >= minLen) {
          // Division-free pre-check that can only rule a cut out, never in: |Δmean| ≤ √(2·m·V·δ′)
          // (≤ ε) rearranged over the common denominator, with |Δ| padded far beyond the rounding
          // of both forms and a 1e-9 margin. Cuts it cannot rule out take River's exact test
          // below, so flagged indices stay River's; it skips ~all cuts of a stable stream.
          const a0 = n0 - minLen + 1;
          const a1 = n1 - minLen + 1;
          const d = Math.abs(u0 * n1 - u1 * n0) + 1e-13 * (Math.abs(u0) * n1 + Math.abs(u1) * n0);
          const nn = n0 * n1;
          const rhs = twoVarianceDeltaPrime * (a0 + a1) * nn * nn * (1 - 1e-9);
          if (d * d * a0 * a1 <= rhs && rhs < Infinity) continue;
          const mRecip = 1 / (n0 - minLen + 1) + 1 / (n1 - minLen + 1);
          const diff = Math.abs(u0 / n0 - u1 / n1);
          const b = twoThirdsDeltaPrime * mRecip;
          // eps = √(…) + b ≥ b in floating point too, so `diff ≤ b` decides without the sqrt.
          if (diff > b && diff > Math.sqrt(2 * mRecip * varianceInWindow * deltaPrime) + b && width > 0) {
            this.deleteElement();
            return true;
          }
        }
      }
    }
    return false;
  }

  toJSON(): DetectorState {
    const used = this.levels * this.cap;
    const totals = new Array<number>(used).fill(0);
    const variances = new Array<number>(used).fill(0);
    for (let level = 0; level < this.levels; level++) {
      for (let k = 0; k < this.sizes[level]!; k++) {
        totals[level * this.cap + k] = this.totals[this.slot(level, k)]!;
        variances[level * this.cap + k] = this.variances[this.slot(level, k)]!;
      }
    }
    return {
      detector: this.name,
      options: { ...this.options },
      state: {
        levels: this.levels,
        sizes: Array.from(this.sizes.subarray(0, this.levels)),
        totals,
        variances,
        total: this.total,
        variance: this.variance,
        width: this.width,
        tick: this.tick,
        nDetections: this.nDetections,
        detected: this.detected,
      },
    };
  }

  static fromJSON(json: DetectorState): Adwin {
    checkState(json, 'adwin');
    const a = new Adwin(json.options as AdwinOptions);
    const s = json.state as unknown as AdwinState;
    a.levels = s.levels;
    a.sizes.set(s.sizes);
    a.totals.set(s.totals);
    a.variances.set(s.variances);
    a.total = s.total;
    a.variance = s.variance;
    a.width = s.width;
    a.tick = s.tick;
    a.untilCheck = a.clock - (s.tick % a.clock);
    a.nDetections = s.nDetections;
    a.detected = s.detected;
    return a;
  }
}
