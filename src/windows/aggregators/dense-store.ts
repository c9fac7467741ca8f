/**
 * Bucket counts of a DDSketch over a contiguous range of bucket indices, in an array that grows
 * on demand. A plain array rather than a Float64Array: a window holds one sketch per group and
 * pane, and small typed arrays are slow to allocate (an off-heap backing store each) and larger
 * per instance; counts are integers, which V8 stores unboxed in a number array. At most `maxBuckets` indices are kept: when the range would grow past that,
 * the lowest buckets are folded into the lowest kept one ("collapsing lowest").
 *
 * Why this rule: the kept range is always [maxIndexEverSeen − maxBuckets + 1, maxIndexEverSeen],
 * and clamping to a bound that only rises composes with itself. So the final counts are a pure
 * function of the multiset of indices added — any split of the stream, merged in any order,
 * gives bit-identical buckets. Accuracy is lost only for values below the kept range.
 */
export class DenseStore {
  /** Counts; `counts[i]` is bucket `offset + i`. */
  counts: number[] = EMPTY;
  offset = 0;
  /**
   * Lowest and highest index in use (`minIndex > maxIndex` when empty). Buckets between may be 0.
   * Empty is 0 > −1 rather than ±MAX_SAFE_INTEGER: small integers are stored in the object itself,
   * other numbers as a separate heap number each, and a window holds millions of stores.
   */
  minIndex = 0;
  maxIndex = -1;
  total = 0;

  constructor(readonly maxBuckets: number) {}

  /** Adds `weight` to bucket `index` (clamped up into the kept range). */
  add(index: number, weight: number): void {
    if (index < this.minIndex || index > this.maxIndex) index = this.extend(index);
    const i = index - this.offset;
    this.counts[i] = this.counts[i]! + weight;
    this.total += weight;
  }

  /** Adds every bucket of `other` (which is not modified). */
  mergeFrom(other: DenseStore): void {
    if (other.total === 0) return;
    this.reserve(other.minIndex, other.maxIndex);
    // Highest first: the range's top is settled at once, so lower buckets clamp instead of
    // growing the array only to be collapsed again.
    for (let index = other.maxIndex; index >= other.minIndex; index--) {
      const c = other.counts[index - other.offset]!;
      if (c !== 0) this.add(index, c);
    }
  }

  /** Count in bucket `index` (0 outside the range). */
  get(index: number): number {
    return index < this.minIndex || index > this.maxIndex ? 0 : this.counts[index - this.offset]!;
  }

  /**
   * Sizes the array for indices [lo, hi] (as far as `maxBuckets` allows) in one step, without
   * changing the range in use, so a merge does not grow the array bucket by bucket.
   */
  private reserve(lo: number, hi: number): void {
    const empty = this.minIndex > this.maxIndex;
    const max = empty ? hi : Math.max(hi, this.maxIndex);
    const min = Math.max(empty ? lo : Math.min(lo, this.minIndex), max - this.maxBuckets + 1);
    // a collapse is coming: leave it to extend(), which folds the buckets it drops
    if (!empty && min > this.minIndex) return;
    if (min < this.offset || max >= this.offset + this.counts.length) this.reallocate(min, max);
  }

  /** Widens the range to take `index`, collapsing the lowest buckets if needed; returns where `index` lands. */
  private extend(index: number): number {
    const empty = this.minIndex > this.maxIndex;
    const newMax = empty ? index : Math.max(index, this.maxIndex);
    let newMin = empty ? index : Math.min(index, this.minIndex);
    let collapsed = 0;
    if (newMax - newMin >= this.maxBuckets) {
      newMin = newMax - this.maxBuckets + 1;
      for (let j = this.minIndex; j < newMin && j <= this.maxIndex; j++) {
        collapsed += this.counts[j - this.offset]!;
        this.counts[j - this.offset] = 0;
      }
    }
    if (newMin < this.offset || newMax >= this.offset + this.counts.length) this.reallocate(newMin, newMax);
    this.minIndex = newMin;
    this.maxIndex = newMax;
    if (collapsed !== 0) this.counts[newMin - this.offset] = this.counts[newMin - this.offset]! + collapsed;
    return index < newMin ? newMin : index;
  }

  private reallocate(newMin: number, newMax: number): void {
    const needed = newMax - newMin + 1;
    // Doubling keeps growth amortised O(1); the cap keeps a sketch at most maxBuckets * 8 bytes.
    const length = Math.max(needed, Math.min(this.maxBuckets, Math.max(MIN_LENGTH, this.counts.length * 2)));
    const next = new Array<number>(length).fill(0);
    // Centre the range: the next extension may go either way.
    const offset = newMin - ((length - needed) >> 1);
    const from = Math.max(this.minIndex, newMin);
    for (let j = from; j <= this.maxIndex; j++) next[j - offset] = this.counts[j - this.offset]!;
    this.counts = next;
    this.offset = offset;
  }
}

const EMPTY: number[] = [];
/**
 * First allocation: two buckets. One group in one pane often sees one or two values, and with a
 * million groups open every slot costs 8 MB; doubling from here costs a copy or two for busy ones.
 */
const MIN_LENGTH = 2;
