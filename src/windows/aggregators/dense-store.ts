/**
 * Bucket counts of a DDSketch, in one of two forms that always mean the same multiset of bucket
 * indices:
 * - **small** (up to {@link SMALL_VALUES} values, each of weight 1): `counts` holds the indices
 *   themselves, sorted ascending. A window holds one sketch per group and pane and most of them
 *   see a handful of values spread over a hundred buckets or more; as counts that would be an
 *   array of 128 mostly-zero slots grown by doubling, as indices it is six numbers, and a
 *   quantile of it is a lookup by rank.
 * - **dense**: counts over a contiguous range of indices, `counts[i]` for bucket `offset + i`, in
 *   an array that grows on demand. At most `maxBuckets` indices are kept: when the range would
 *   grow past that, the lowest buckets are folded into the lowest kept one ("collapsing lowest").
 *
 * Plain arrays rather than typed arrays: small typed arrays are slow to allocate (an off-heap
 * backing store each) and larger per instance; counts and indices are integers, which V8 stores
 * unboxed in a number array.
 *
 * Why the collapse rule: the kept range is always [maxIndexEverSeen − maxBuckets + 1,
 * maxIndexEverSeen], and clamping to a bound that only rises composes with itself. So the final
 * counts are a pure function of the multiset of indices added — any split of the stream, merged
 * in any order, gives bit-identical buckets. Accuracy is lost only for values below the kept
 * range. A small store keeps raw indices; readers clamp them to the same bound
 * ({@link DenseStore.floor}), so both forms give the same buckets and quantiles.
 */
export class DenseStore {
  /** Dense: counts, `counts[i]` is bucket `offset + i`. Small: the indices, sorted. */
  counts: number[] = EMPTY;
  /** Dense: the index of `counts[0]`. {@link SMALL_OFFSET} while the store is small. */
  offset = SMALL_OFFSET;
  /**
   * Lowest and highest index in use (`minIndex > maxIndex` when empty). Buckets between may be 0.
   * Empty is 0 > −1 rather than ±MAX_SAFE_INTEGER: small integers are stored in the object itself,
   * other numbers as a separate heap number each, and a window holds millions of stores.
   */
  minIndex = 0;
  maxIndex = -1;
  total = 0;

  constructor(readonly maxBuckets: number) {}

  /** Whether the store holds its indices (see the class comment). */
  get small(): boolean {
    return this.offset === SMALL_OFFSET;
  }

  /** The lowest index the dense form keeps: indices below it count as it. */
  get floor(): number {
    return Math.max(this.minIndex, this.maxIndex - this.maxBuckets + 1);
  }

  /** Adds `weight` to bucket `index` (clamped up into the kept range). */
  add(index: number, weight: number): void {
    if (this.offset === SMALL_OFFSET) {
      if (this.total + weight <= SMALL_VALUES) {
        this.insert(index, weight);
        return;
      }
      this.toDense();
    }
    if (index < this.minIndex || index > this.maxIndex) index = this.extend(index);
    const i = index - this.offset;
    this.counts[i] = this.counts[i]! + weight;
    this.total += weight;
  }

  /** Adds every bucket of `other` (which is not modified). */
  mergeFrom(other: DenseStore): void {
    if (other.total === 0) return;
    if (other.offset === SMALL_OFFSET) {
      // highest first, as below
      for (let k = other.total - 1; k >= 0; k--) this.add(other.counts[k]!, 1);
      return;
    }
    if (this.offset === SMALL_OFFSET) this.toDense();
    this.reserve(other.minIndex, other.maxIndex);
    // Highest first: the range's top is settled at once, so lower buckets clamp instead of
    // growing the array only to be collapsed again.
    for (let index = other.maxIndex; index >= other.minIndex; index--) {
      const c = other.counts[index - other.offset]!;
      if (c !== 0) this.add(index, c);
    }
  }

  /** Count in bucket `index` as stored (0 outside the range; a small store's indices unclamped). */
  get(index: number): number {
    if (index < this.minIndex || index > this.maxIndex) return 0;
    if (this.offset !== SMALL_OFFSET) return this.counts[index - this.offset]!;
    let n = 0;
    for (let k = 0; k < this.total; k++) if (this.counts[k] === index) n++;
    return n;
  }

  /** The dense form's counts from its lowest kept index (what checkpoints hold), or null when empty. */
  toCounts(): { o: number; c: number[] } | null {
    if (this.total === 0) return null;
    const floor = this.floor;
    const counts: number[] = [];
    if (this.offset !== SMALL_OFFSET) {
      for (let j = this.minIndex; j <= this.maxIndex; j++) counts.push(this.counts[j - this.offset]!);
      return { o: this.minIndex, c: counts };
    }
    for (let j = floor; j <= this.maxIndex; j++) counts.push(0);
    for (let k = 0; k < this.total; k++) {
      const at = Math.max(this.counts[k]!, floor) - floor;
      counts[at] = counts[at]! + 1;
    }
    return { o: floor, c: counts };
  }

  /** Inserts `weight` copies of `index` into the sorted indices of a small store. */
  private insert(index: number, weight: number): void {
    const size = this.total;
    const needed = size + weight;
    let list = this.counts;
    if (list.length < needed) {
      // one slot for the first value (a million open groups may hold one each), then room for
      // four, then doubling: few reallocations for the handful most stores see
      const grown = new Array<number>(
        needed === 1 ? 1 : Math.min(SMALL_VALUES, Math.max(needed, 4, list.length * 2)),
      );
      for (let k = 0; k < size; k++) grown[k] = list[k]!;
      this.counts = list = grown;
    }
    let k = size;
    while (k > 0 && list[k - 1]! > index) {
      list[k - 1 + weight] = list[k - 1]!;
      k--;
    }
    for (let w = 0; w < weight; w++) list[k + w] = index;
    if (size === 0) {
      this.minIndex = index;
      this.maxIndex = index;
    } else {
      if (index < this.minIndex) this.minIndex = index;
      if (index > this.maxIndex) this.maxIndex = index;
    }
    this.total = needed;
  }

  /** Turns a small store dense, adding its indices highest first (as a merge would). */
  private toDense(): void {
    const list = this.counts;
    const n = this.total;
    this.counts = EMPTY;
    this.offset = 0;
    this.minIndex = 0;
    this.maxIndex = -1;
    this.total = 0;
    if (n > 0) this.reserve(list[0]!, list[n - 1]!);
    for (let k = n - 1; k >= 0; k--) this.add(list[k]!, 1);
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
 * `offset` of a small store: a small integer (kept in the object, unlike a heap number) that no
 * dense offset reaches — bucket indices of finite doubles stay within ±2^17 at any accuracy the
 * config allows.
 */
export const SMALL_OFFSET = -(2 ** 30);
/** Values a small store holds before it turns dense. */
export const SMALL_VALUES = 16;
/**
 * First dense allocation: two buckets. With a million groups open every slot costs 8 MB;
 * doubling from here costs a copy or two for busy ones.
 */
const MIN_LENGTH = 2;
