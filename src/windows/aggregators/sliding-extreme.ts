/** Bounds of a sliding window: by count of values, by event time, or both. */
export interface SlidingWindowOptions {
  /** Keep only the last `maxCount` values pushed (positive integer). Omit for a time-only window. */
  maxCount?: number;
}

/**
 * Sliding-window maximum with a monotonic deque: each value is pushed and popped at most once, so
 * `push`, `evictBefore` and `current` are O(1) amortised however long the window. The deque keeps
 * only values that can still become the maximum — one greater than or equal to an older value
 * outlives it, so the older one can never be the answer again.
 *
 * The window is bounded by count (`maxCount`), by time (`evictBefore(ts)`), or both. Timestamps
 * must be pushed in non-decreasing order for time eviction to be exact (the window operator and the
 * drift monitor feed one partition in order). A building block, not a registry aggregator: a
 * sliding max cannot be merged from panes, which is why hopping windows use `max` instead.
 *
 * @example
 * const w = new SlidingMax({ maxCount: 3 });
 * for (const [v, t] of [[5, 1], [1, 2], [3, 3], [2, 4]]) w.push(v, t);
 * w.current(); // 3 (5 fell out of the last three)
 */
export class SlidingMax {
  // Ring buffer of the deque: values, timestamps and push sequence numbers (for count eviction).
  private values = new Float64Array(16);
  private times = new Float64Array(16);
  private seqs = new Float64Array(16);
  private mask = 15;
  private head = 0;
  private length = 0;
  private pushed = 0;
  private readonly maxCount: number;

  constructor(options: SlidingWindowOptions = {}) {
    const maxCount = options.maxCount ?? Infinity;
    if (maxCount !== Infinity && (!Number.isInteger(maxCount) || maxCount < 1)) {
      throw new RangeError(`maxCount must be a positive integer, got ${maxCount}`);
    }
    this.maxCount = maxCount;
  }

  /** Adds `value` observed at `ts` and drops whatever fell out of the count bound. NaN is refused. */
  push(value: number, ts: number): void {
    if (value !== value) throw new RangeError('SlidingMax cannot order NaN');
    const key = this.key(value);
    // Pop from the back every value the newcomer dominates (ties too: the newer one lives longer).
    while (this.length > 0 && this.values[(this.head + this.length - 1) & this.mask]! <= key) this.length--;
    if (this.length === this.values.length) this.grow();
    const at = (this.head + this.length) & this.mask;
    this.values[at] = key;
    this.times[at] = ts;
    this.seqs[at] = this.pushed++;
    this.length++;
    const oldest = this.pushed - this.maxCount; // sequence numbers below this are out
    while (this.length > 0 && this.seqs[this.head]! < oldest) this.dropFront();
  }

  /** Drops values with a timestamp strictly before `ts`. */
  evictBefore(ts: number): void {
    while (this.length > 0 && this.times[this.head]! < ts) this.dropFront();
  }

  /** The maximum of the values in the window, or `null` when it is empty. */
  current(): number | null {
    return this.length === 0 ? null : this.key(this.values[this.head]!);
  }

  /** Empties the window (the count bound restarts too). */
  clear(): void {
    this.head = 0;
    this.length = 0;
    this.pushed = 0;
  }

  /** Maps a value to the deque's order; {@link SlidingMin} negates, so one implementation serves both. */
  protected key(value: number): number {
    return value;
  }

  private dropFront(): void {
    this.head = (this.head + 1) & this.mask;
    this.length--;
  }

  private grow(): void {
    const size = this.values.length * 2;
    const values = new Float64Array(size);
    const times = new Float64Array(size);
    const seqs = new Float64Array(size);
    for (let i = 0; i < this.length; i++) {
      const from = (this.head + i) & this.mask;
      values[i] = this.values[from]!;
      times[i] = this.times[from]!;
      seqs[i] = this.seqs[from]!;
    }
    this.values = values;
    this.times = times;
    this.seqs = seqs;
    this.mask = size - 1;
    this.head = 0;
  }
}

/**
 * Sliding-window minimum: {@link SlidingMax} over negated values.
 *
 * @example
 * const w = new SlidingMin();
 * w.push(4, 10);
 * w.push(7, 20);
 * w.evictBefore(15);
 * w.current(); // 7
 */
export class SlidingMin extends SlidingMax {
  protected override key(value: number): number {
    return -value;
  }
}
