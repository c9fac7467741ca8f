/**
 * The current window of one feature: values, their bin (or category) index and event time, in
 * arrival order, in typed-array rings. A count window has a fixed capacity; a time window grows by
 * doubling when it fills. Push, slide and evict are O(1) and allocate nothing (except growing).
 */
export class WindowRing {
  values: Float64Array;
  bins: Int32Array;
  times: Float64Array;
  private head = 0;
  length = 0;

  constructor(
    capacity: number,
    /** Whether the ring may grow (time windows); a count window evicts instead. */
    readonly growable: boolean,
  ) {
    this.values = new Float64Array(capacity);
    this.bins = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.values.length;
  }

  /** Appends; the caller evicts first when a count window is full. */
  push(value: number, bin: number, ts: number): void {
    if (this.length === this.values.length) this.grow();
    let i = this.head + this.length;
    if (i >= this.values.length) i -= this.values.length;
    this.values[i] = value;
    this.bins[i] = bin;
    this.times[i] = ts;
    this.length++;
  }

  /**
   * Count window: appends, or when full overwrites the oldest entry, and keeps `counts` (per bin)
   * in step: +1 for `bin`, −1 for the bin evicted. Returns whether the ring grew. One call on the
   * monitor's per-value hot path, where a chain of small calls was inlined by V8 in some
   * processes and not in others.
   */
  slide(value: number, bin: number, ts: number, counts: Float64Array): boolean {
    const values = this.values;
    const cap = values.length;
    const bins = this.bins;
    let i = this.head + this.length;
    const grew = this.length < cap;
    if (grew) {
      if (i >= cap) i -= cap;
      this.length++;
    } else {
      i = this.head;
      counts[bins[i]!]! -= 1;
      this.head = i + 1 === cap ? 0 : i + 1;
    }
    values[i] = value;
    bins[i] = bin;
    this.times[i] = ts;
    counts[bin]! += 1;
    return grew;
  }

  /** Bin of the oldest entry (call only when non-empty). */
  get oldestBin(): number {
    return this.bins[this.head]!;
  }

  get oldestTime(): number {
    return this.times[this.head]!;
  }

  get newestTime(): number {
    let i = this.head + this.length - 1;
    if (i >= this.values.length) i -= this.values.length;
    return this.times[i]!;
  }

  /** Sets the bin of the `k`-th oldest entry (after the bins were re-cut). */
  setBin(k: number, bin: number): void {
    let i = this.head + k;
    if (i >= this.values.length) i -= this.values.length;
    this.bins[i] = bin;
  }

  /** Drops the oldest entry. */
  shift(): void {
    this.head++;
    if (this.head === this.values.length) this.head = 0;
    this.length--;
  }

  /** Calls `fn` on each entry, oldest first. */
  forEach(fn: (value: number, bin: number, ts: number, k: number) => void): void {
    const cap = this.values.length;
    for (let k = 0; k < this.length; k++) {
      let i = this.head + k;
      if (i >= cap) i -= cap;
      fn(this.values[i]!, this.bins[i]!, this.times[i]!, k);
    }
  }

  /** Values in arrival order, copied into `out` (reused when large enough). */
  copyValues(out?: Float64Array): Float64Array {
    const dst =
      out && out.length >= this.length ? out.subarray(0, this.length) : new Float64Array(this.length);
    const first = Math.min(this.length, this.values.length - this.head);
    dst.set(this.values.subarray(this.head, this.head + first), 0);
    if (first < this.length) dst.set(this.values.subarray(0, this.length - first), first);
    return dst;
  }

  private grow(): void {
    if (!this.growable) throw new RangeError('count window overflow (evict before push)');
    const cap = this.values.length;
    const values = new Float64Array(cap * 2);
    const bins = new Int32Array(cap * 2);
    const times = new Float64Array(cap * 2);
    this.forEach((v, b, t, k) => {
      values[k] = v;
      bins[k] = b;
      times[k] = t;
    });
    this.values = values;
    this.bins = bins;
    this.times = times;
    this.head = 0;
  }
}

/** Exact, compact encoding of typed arrays for checkpoints (doubles round-trip bit for bit). */
export function encodeFloat64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat64(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function encodeInt32(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeInt32(s: string): Int32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Int32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
