import type { Features } from './model.js';

/**
 * Feature name → slot index, with a per-position cache of the last key sequence seen.
 *
 * Streams almost always send the same keys in the same order, so `resolve` compares each key with
 * the one seen at that position last time (a pointer compare for interned strings) and only falls
 * back to the `Map` when they differ. Nothing is allocated per call once the buffers are large
 * enough. After `resolve`, `idx[0..n)` holds slot indices (-1: unknown and not added) and
 * `vals[0..n)` the values, in the object's key order.
 */
export class FeatureIndex {
  /** Slot names, in slot order. */
  readonly names: string[] = [];
  private readonly map = new Map<string, number>();
  /** Slots for the last resolved object. */
  idx = new Int32Array(16);
  /** Values for the last resolved object. */
  vals = new Float64Array(16);
  private readonly keys: (string | undefined)[] = [];
  private cacheIdx = new Int32Array(16);
  /** Called with the new capacity whenever a slot is added past it (amortised doubling). */
  capacity = 16;

  constructor(private readonly onGrow: (capacity: number) => void = () => {}) {}

  get size(): number {
    return this.names.length;
  }

  /** The slot of `name`, or -1. */
  get(name: string): number {
    return this.map.get(name) ?? -1;
  }

  /** The slot of `name`, adding it when new. */
  add(name: string): number {
    let j = this.map.get(name);
    if (j === undefined) {
      j = this.names.length;
      this.map.set(name, j);
      this.names.push(name);
      if (j >= this.capacity) {
        let cap = this.capacity;
        while (cap <= j) cap *= 2;
        this.capacity = cap;
        this.onGrow(cap);
      }
    }
    return j;
  }

  /**
   * Resolves `x` into `idx`/`vals` and returns how many entries it has. With `learn`, unknown
   * names get a slot; without, they resolve to -1 so predictions never grow the model.
   * Non-numeric values (null, undefined) count as missing and are skipped.
   */
  resolve(x: Features, learn: boolean): number {
    let n = 0;
    let { idx, vals, cacheIdx } = this;
    const keys = this.keys;
    let cap = idx.length;
    for (const k in x) {
      const v = x[k];
      if (typeof v !== 'number') continue;
      if (n === cap) {
        this.growBuffers();
        ({ idx, vals, cacheIdx } = this);
        cap = idx.length;
      }
      let j = cacheIdx[n]!;
      if (keys[n] !== k || j < 0) {
        j = learn ? this.add(k) : this.get(k);
        keys[n] = k;
        cacheIdx[n] = j;
      }
      idx[n] = j;
      vals[n] = v;
      n++;
    }
    return n;
  }

  private growBuffers(): void {
    const len = this.idx.length * 2;
    const idx = new Int32Array(len);
    idx.set(this.idx);
    this.idx = idx;
    const vals = new Float64Array(len);
    vals.set(this.vals);
    this.vals = vals;
    const c = new Int32Array(len);
    c.set(this.cacheIdx);
    this.cacheIdx = c;
  }

  /** The name of the `k`-th entry of the last resolved object. */
  keyAt(k: number): string {
    return this.keys[k]!;
  }

  /** Slots for `names` (adding them), for a dense layout. */
  layout(names: readonly string[]): Int32Array {
    const out = new Int32Array(names.length);
    for (let k = 0; k < names.length; k++) out[k] = this.add(names[k] as string);
    return out;
  }

  /** Restores names saved with `names` (slot order). */
  restore(names: readonly string[]): void {
    for (const name of names) this.add(name);
  }
}

/** A copy of `a` with length `capacity` (zero-filled tail). */
export function grown(a: Float64Array, capacity: number): Float64Array {
  const out = new Float64Array(capacity);
  out.set(a.subarray(0, Math.min(a.length, capacity)));
  return out;
}

/** The first `n` entries of `a` as a plain array, for JSON state. */
export function toList(a: Float64Array, n: number): number[] {
  return Array.from(a.subarray(0, n));
}

/** A Float64Array of `capacity` starting with `values`. */
export function fromList(values: readonly number[], capacity: number): Float64Array {
  const out = new Float64Array(Math.max(capacity, values.length));
  out.set(values);
  return out;
}

/** Smallest power-of-two capacity ≥ max(16, n). */
export function capacityFor(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}
