/*
 * Buckets of the hashing trick and the sparse rows the hashers write: shared by `FeatureHasher`
 * (keys of any object) and `HashedFields` (fixed fields of events).
 */

/** `mask` for {@link bucketOf}: `nFeatures - 1` for a power of two, else -1. */
export function bucketMask(nFeatures: number): number {
  return (nFeatures & (nFeatures - 1)) === 0 ? nFeatures - 1 : -1;
}

/** The bucket of an int32 hash: its unsigned value mod `nFeatures` (a mask for a power of two). */
export function bucketOf(h: number, nFeatures: number, mask: number): number {
  return mask >= 0 ? h & mask : (h >>> 0) % nFeatures;
}

/** Slots of a {@link RowBuckets} table (a power of two). */
const ROW_SLOTS = 1024;

/**
 * The buckets already written to the row being built, so a new bucket is told from a repeat
 * (whose value is summed into its earlier entry) without searching the row: a table of row stamps
 * by `bucket mod 1024`. A bucket whose slot has no stamp of this row is new; only the others (a
 * repeat, or about one bucket in 50 for 20 features) search. No clearing per row: the stamp moves
 * on. A 32-bit mask by `bucket mod 32` did this before, but a quarter of the buckets of a
 * 20-feature row then searched.
 */
export class RowBuckets {
  private readonly stamps = new Int32Array(ROW_SLOTS);
  private row = 0;

  /** Starts a new row. */
  next(): void {
    if (++this.row === 0x7fffffff) {
      this.stamps.fill(0);
      this.row = 1;
    }
  }

  /** Marks bucket `b` as written; its position in `indices[start..n)`, or `n` when it is new there. */
  positionOf(b: number, indices: Int32Array, start: number, n: number): number {
    const slot = b & (ROW_SLOTS - 1);
    const seen = this.stamps[slot] === this.row;
    this.stamps[slot] = this.row;
    if (!seen) return n;
    let k = start;
    while (k < n && indices[k] !== b) k++;
    return k;
  }
}
