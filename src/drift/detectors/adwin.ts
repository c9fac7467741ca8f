import { z } from 'zod';
import { checkState, type DetectorState, type DriftDetector } from '../detector.js';
import { ExponentialHistogram, POW2, type HistogramState } from './adwin/exponential-histogram.js';

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

interface AdwinState extends HistogramState {
  total: number;
  variance: number;
  width: number;
  tick: number;
  nDetections: number;
  detected: boolean;
}

/**
 * Relative slack of the pre-check of a cut (see `findCut`). Rounding moves either side of that
 * comparison by ~1e-15 (relative); any slack far above that and far below 1 is safe and as fast.
 */
const PRECHECK_SLACK = 1e-9;

/**
 * ADaptive WINdowing (Bifet & Gavaldà 2007), a port of River's (0.26, Rust) `AdaptiveWindowing`:
 * same bucket merges, same cut order, same floating-point expressions, so it flags the same
 * indices. `update` allocates nothing.
 *
 * @example
 * const adwin = new Adwin();
 * stream.forEach((x, i) => { if (adwin.update(x).driftDetected) console.log(i); });
 */
export class Adwin implements DriftDetector {
  readonly name = 'adwin';
  readonly options: Required<AdwinOptions>;
  private readonly buckets: ExponentialHistogram;
  // Options copied into fields: read per event, and a field load is cheaper than a nested one.
  // Initialised with numbers, not left undefined: V8 then keeps them as plain number fields.
  private readonly clock: number = 0;
  private readonly minLen: number = 0;
  private readonly delta: number = 0;
  private readonly gracePeriod: number = 0;
  /** Tick of the next cut check (River checks when `tick % clock == 0`). */
  private nextCheck = 0;
  private total = 0;
  private variance = 0;
  private width = 0;
  private tick = 0;
  private nDetections = 0;
  private detected = false;

  constructor(options: AdwinOptions = {}) {
    this.options = adwinOptionsSchema.parse(options);
    this.buckets = new ExponentialHistogram(this.options.maxBuckets);
    this.clock = this.options.clock;
    this.minLen = this.options.minWindowLength;
    this.delta = this.options.delta;
    this.gracePeriod = this.options.gracePeriod;
    this.nextCheck = this.clock;
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

  /** River's `insert_element` and `detect_change`. */
  update(x: number): this {
    if (this.detected) this.reset();
    this.buckets.add(x);
    const width = this.width + 1;
    this.width = width;
    if (width > 1) {
      const d = x - this.total / (width - 1);
      this.variance += ((width - 1) * d * d) / width;
    }
    this.total += x;
    this.detected = ++this.tick === this.nextCheck && this.checkForChange();
    return this;
  }

  reset(): void {
    this.buckets.clear();
    this.total = 0;
    this.variance = 0;
    this.width = 0;
    this.tick = 0;
    this.nextCheck = this.clock;
    this.nDetections = 0;
    this.detected = false;
  }

  /** River's `detect_change` on a clock tick: drop the oldest bucket while some cut is significant. */
  private checkForChange(): boolean {
    this.nextCheck += this.clock;
    if (!(this.width > this.gracePeriod)) return false;
    this.buckets.merge();
    let changed = false;
    while (this.findCut()) {
      this.dropOldestBucket();
      changed = true;
    }
    if (changed) this.nDetections += 1;
    return changed;
  }

  /** River's `delete_element`: takes the oldest bucket out of the running sum and variance. */
  private dropOldestBucket(): void {
    const b = this.buckets;
    const n = POW2[b.levels - 1]!;
    const u = b.oldestTotal();
    const v = b.oldestVariance();
    const mu = u / n;
    this.width -= n;
    this.total -= u;
    const muWindow = this.total / this.width;
    this.variance -= v + (n * this.width * (mu - muWindow) * (mu - muWindow)) / (n + this.width);
    b.dropOldest();
  }

  /**
   * Scans the cuts between buckets, oldest first as River does, for one that splits the window
   * into two sub-windows whose means differ by more than River's ε.
   */
  private findCut(): boolean {
    const { totals, heads, counts, mask, values, start0, end0, levels } = this.buckets;
    const minLen = this.minLen;
    const width = this.width;
    // River recomputes these per cut from the same inputs; they are constant through a scan.
    const deltaPrime = Math.log((2 * Math.log(width)) / this.delta);
    const varianceInWindow = this.variance / width;
    // ε ≥ √(2·m·V·δ′) with m = spans / ((n0 − minLen + 1)(n1 − minLen + 1)), where
    // spans = (n0 − minLen + 1) + (n1 − minLen + 1) is the same at every cut. So a cut with
    // Δ²·(n0 − minLen + 1)(n1 − minLen + 1) ≤ 2·V·δ′·spans, less a slack beyond any rounding, is
    // not significant (Δ is River's own double; only ε is bounded): nearly every cut is ruled out
    // without River's reciprocals and root.
    // Infinity or NaN turns the pre-check off.
    let bound = 2 * varianceInWindow * deltaPrime * (width - 2 * minLen + 2) * (1 - PRECHECK_SLACK);
    if (!(bound < Infinity)) bound = -1;
    let n0 = 0;
    let n1 = width;
    let u0 = 0;
    let u1 = this.total;
    for (let level = levels - 1; level >= 0; level--) {
      const size = POW2[level]!;
      // Level 0 is a plain run (a mask of all ones reads it in order); its newest bucket ends the
      // window, so there is no cut after it.
      const source = level === 0 ? values : totals;
      const base = level === 0 ? start0 : level * (mask + 1);
      const head = level === 0 ? 0 : heads[level]!;
      const wrap = level === 0 ? -1 : mask;
      const count = level === 0 ? end0 - start0 - 1 : counts[level]!;
      for (let k = 0; k < count; k++) {
        const t = source[base + ((head + k) & wrap)]!;
        n0 += size;
        n1 -= size;
        u0 += t;
        u1 -= t;
        // n1 only shrinks: once below minLen no later cut qualifies.
        if (n1 < minLen) return false;
        if (n0 < minLen) continue;
        const deltaMean = u0 / n0 - u1 / n1;
        if (deltaMean * deltaMean * ((n0 - minLen + 1) * (n1 - minLen + 1)) <= bound) continue;
        if (this.cutIsSignificant(n0, n1, deltaMean, deltaPrime, varianceInWindow)) return true;
      }
    }
    return false;
  }

  /** River's `evaluate_cut`, term for term, so rounding matches. */
  private cutIsSignificant(
    n0: number,
    n1: number,
    deltaMean: number,
    deltaPrime: number,
    vw: number,
  ): boolean {
    const mRecip = 1 / (n0 - this.minLen + 1) + 1 / (n1 - this.minLen + 1);
    const epsilon = Math.sqrt(2 * mRecip * vw * deltaPrime) + (2 / 3) * deltaPrime * mRecip;
    return Math.abs(deltaMean) > epsilon;
  }

  toJSON(): DetectorState {
    // Merging now changes nothing observable: the next check would do it.
    this.buckets.merge();
    return {
      detector: this.name,
      options: { ...this.options },
      state: {
        ...this.buckets.toJSON(),
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
    a.buckets.load(s);
    a.total = s.total;
    a.variance = s.variance;
    a.width = s.width;
    a.tick = s.tick;
    a.nextCheck = s.tick - (s.tick % a.clock) + a.clock;
    a.nDetections = s.nDetections;
    a.detected = s.detected;
    return a;
  }
}
