/** Levels of the histogram: level i holds buckets of 2^i values, so 64 is never reached. */
const MAX_LEVELS = 64;
/** 2^level; a table because V8's `**` on integers takes a slow path in hot loops. */
export const POW2 = Float64Array.from({ length: MAX_LEVELS }, (_, i) => 2 ** i);
/** 2^-level: t / 2^i and t · 2^-i are the same real number, so both round to the same double. */
const INV_POW2 = Float64Array.from({ length: MAX_LEVELS }, (_, i) => 2 ** -i);
/** Room for values added between two merges of level 0 (a cut check merges, so ≥ the clock rarely matters). */
const UNMERGED_ROOM = 64;

/** The histogram as checkpoints hold it: bucket k of level i at `i * (maxBuckets + 1) + k`, oldest first. */
export interface HistogramState {
  levels: number;
  sizes: number[];
  totals: number[];
  variances: number[];
}

/**
 * ADWIN's window summary (River's `bucket_list`, an exponential histogram): level i keeps at most
 * `maxBuckets` buckets of 2^i values each, as their total and variance (sum of squared
 * deviations). Merges follow River's `compress_buckets` operation for operation, so every bucket
 * holds River's double. All storage is allocated once.
 *
 * Level 0 (single values) is a plain run `values[start0, end0)`: `add` only appends, and `merge`
 * later pairs the oldest values exactly as River's merge-on-every-insert would have, before
 * anyone reads the buckets. Levels ≥ 1 are rings of `mask + 1` slots.
 */
export class ExponentialHistogram {
  /** Buckets a level holds, for an instant, before its two oldest merge (`maxBuckets + 1`). */
  readonly cap: number;
  /** Level 0's values, oldest first; may exceed `cap` until `merge` runs. */
  readonly values: Float64Array;
  start0 = 0;
  end0 = 0;
  /** Ring slots per level, a power of two ≥ cap, minus one. */
  readonly mask: number;
  /** Totals of levels ≥ 1: level i's ring is `[i * (mask + 1), (i + 1) * (mask + 1))`. */
  readonly totals: Float64Array;
  /** Variances of levels ≥ 1, same layout. */
  readonly variances: Float64Array;
  /** Ring position of each level's oldest bucket. */
  readonly heads: Int32Array;
  /** Buckets in each level ≥ 1. */
  readonly counts: Int32Array;
  /** Levels in use (River's `len(bucket_list)`); the oldest buckets are on the top one. */
  levels = 1;

  constructor(maxBuckets: number) {
    this.cap = maxBuckets + 1;
    this.values = new Float64Array(this.cap + UNMERGED_ROOM);
    // `| 0` keeps it a small integer: V8 would store 2 ** k − 1 as a double and convert it per use.
    this.mask = (2 ** Math.ceil(Math.log2(this.cap)) - 1) | 0;
    this.totals = new Float64Array(MAX_LEVELS * (this.mask + 1));
    this.variances = new Float64Array(MAX_LEVELS * (this.mask + 1));
    this.heads = new Int32Array(MAX_LEVELS);
    this.counts = new Int32Array(MAX_LEVELS);
  }

  clear(): void {
    this.start0 = this.end0 = 0;
    this.heads.fill(0);
    this.counts.fill(0);
    this.levels = 1;
  }

  /** Appends a value (a bucket of one, as River's `insert_element`); merging waits for `merge`. */
  add(value: number): void {
    const end = this.end0;
    this.values[end] = value;
    this.end0 = end + 1;
    if (end + 1 === this.values.length) this.merge();
  }

  /**
   * Performs the merges River's inserts since the last call would have: merging the two oldest of
   * a full level 0 pairs values in arrival order, so doing it late gives the same buckets.
   */
  merge(): void {
    const values = this.values;
    const end = this.end0;
    let start = this.start0;
    if (end - start >= this.cap) {
      // Level 1 is appended to every other value: its ring state stays in locals meanwhile.
      const totals = this.totals;
      const variances = this.variances;
      const mask = this.mask;
      const base = mask + 1;
      let head = this.heads[1]!;
      let count = this.counts[1]!;
      if (this.levels === 1) this.levels = 2;
      do {
        // River's merge with n = 1 and variances 0: mu = t / 1 = t and 0 + 0 + v = v.
        const t0 = values[start]!;
        const t1 = values[start + 1]!;
        start += 2;
        const slot = base + ((head + count) & mask);
        totals[slot] = t0 + t1;
        variances[slot] = 0.5 * (t0 - t1) * (t0 - t1);
        count += 1;
        if (count === this.cap) {
          // Level 1 is full: its two oldest merge into level 2, as below.
          const first = base + head;
          const second = base + ((head + 1) & mask);
          const mu1 = totals[first]! * 0.5;
          const mu2 = totals[second]! * 0.5;
          head = (head + 2) & mask;
          count -= 2;
          this.appendMerged(
            2,
            totals[first]! + totals[second]!,
            variances[first]! + variances[second]! + 1 * (mu1 - mu2) * (mu1 - mu2),
          );
        }
      } while (end - start >= this.cap);
      this.heads[1] = head;
      this.counts[1] = count;
    }
    if (end === values.length) {
      for (let i = start; i < end; i++) values[i - start] = values[i]!;
      this.start0 = 0;
      this.end0 = end - start;
    } else {
      this.start0 = start;
    }
  }

  /** Appends a bucket to `level` ≥ 1, merging its two oldest upwards while levels are full (River's `compress_buckets`). */
  private appendMerged(level: number, total: number, variance: number): void {
    const totals = this.totals;
    const variances = this.variances;
    const mask = this.mask;
    for (;;) {
      if (level === this.levels) {
        if (level === MAX_LEVELS) throw new RangeError('ADWIN window exceeds 2^64 values');
        this.levels = level + 1;
      }
      const base = level * (mask + 1);
      const head = this.heads[level]!;
      const count = this.counts[level]! + 1;
      const slot = base + ((head + count - 1) & mask);
      totals[slot] = total;
      variances[slot] = variance;
      if (count !== this.cap) {
        this.counts[level] = count;
        return;
      }
      const first = base + head;
      const second = base + ((head + 1) & mask);
      const mu1 = totals[first]! * INV_POW2[level]!;
      const mu2 = totals[second]! * INV_POW2[level]!;
      total = totals[first]! + totals[second]!;
      variance = variances[first]! + variances[second]! + POW2[level]! * 0.5 * (mu1 - mu2) * (mu1 - mu2);
      this.heads[level] = (head + 2) & mask;
      this.counts[level] = count - 2;
      level += 1;
    }
  }

  /** Total of the window's oldest bucket (first of the top level), the one ADWIN drops on a cut. */
  oldestTotal(): number {
    const top = this.levels - 1;
    return top === 0 ? this.values[this.start0]! : this.totals[top * (this.mask + 1) + this.heads[top]!]!;
  }

  /** Variance of the oldest bucket; a single value's is 0. */
  oldestVariance(): number {
    const top = this.levels - 1;
    return top === 0 ? 0 : this.variances[top * (this.mask + 1) + this.heads[top]!]!;
  }

  /** Drops the oldest bucket, then every emptied top level. Call `merge` first. */
  dropOldest(): void {
    const top = this.levels - 1;
    if (top === 0) {
      this.start0 += 1;
      return;
    }
    this.heads[top] = (this.heads[top]! + 1) & this.mask;
    this.counts[top]! -= 1;
    // River pops one emptied level; popping all differs only where River's next drop would
    // find its top level empty and panic.
    while (this.levels > 1 && this.counts[this.levels - 1] === 0) {
      this.heads[this.levels - 1] = 0;
      this.levels -= 1;
    }
  }

  /** Call `merge` first. */
  toJSON(): HistogramState {
    const cap = this.cap;
    const state: HistogramState = {
      levels: this.levels,
      sizes: [this.end0 - this.start0],
      totals: new Array<number>(this.levels * cap).fill(0),
      variances: new Array<number>(this.levels * cap).fill(0),
    };
    for (let k = this.start0; k < this.end0; k++) state.totals[k - this.start0] = this.values[k]!;
    for (let level = 1; level < this.levels; level++) {
      const count = this.counts[level]!;
      state.sizes.push(count);
      for (let k = 0; k < count; k++) {
        const slot = level * (this.mask + 1) + ((this.heads[level]! + k) & this.mask);
        state.totals[level * cap + k] = this.totals[slot]!;
        state.variances[level * cap + k] = this.variances[slot]!;
      }
    }
    return state;
  }

  /** Replaces the content with a checkpoint's (same `maxBuckets`). */
  load(state: HistogramState): void {
    this.clear();
    this.levels = state.levels;
    this.end0 = state.sizes[0]!;
    for (let k = 0; k < this.end0; k++) this.values[k] = state.totals[k]!;
    for (let level = 1; level < state.levels; level++) {
      const count = state.sizes[level]!;
      this.counts[level] = count;
      for (let k = 0; k < count; k++) {
        this.totals[level * (this.mask + 1) + k] = state.totals[level * this.cap + k]!;
        this.variances[level * (this.mask + 1) + k] = state.variances[level * this.cap + k]!;
      }
    }
  }
}
