import type { Binner, BinningOptions, Histogram, Sample } from '../measure.js';

/** An empty histogram with `bins` zero counts. */
export function createHistogram(bins: number): Histogram {
  return { counts: new Float64Array(bins), total: 0 };
}

/** Adds one value to its bin: O(log bins), no allocation — what a monitor calls per event. */
export function addToHistogram(h: Histogram, binner: Binner, x: number): void {
  h.counts[binner.index(x)]! += 1;
  h.total += 1;
}

/** Removes one value (for sliding windows). */
export function removeFromHistogram(h: Histogram, binner: Binner, x: number): void {
  h.counts[binner.index(x)]! -= 1;
  h.total -= 1;
}

/** The histogram of a whole sample. */
export function histogramOf(sample: Sample, binner: Binner): Histogram {
  const h = createHistogram(binner.bins);
  for (let i = 0; i < sample.length; i++) addToHistogram(h, binner, sample[i]!);
  return h;
}

/** Number of cut points `<= x` in the sorted `cuts` (numpy `searchsorted(side='right')`). */
export function upperBound(cuts: Float64Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A grid cell holds at most this many cut points, or the lookup falls back to binary search. */
const MAX_CUTS_PER_CELL = 4;
/** Largest grid tried (Int32 entries): 64 KiB per feature at most. */
const MAX_CELLS = 1 << 14;

/**
 * The bin of a value among sorted cut points — `upperBound(cuts, x)`, exactly — in O(1) for
 * well-spread cuts: a uniform grid over [first cut, last cut] stores, per cell, the bin of the
 * cell's left edge; a lookup jumps to its cell and steps over the few cuts there. The steps go
 * both ways, so a cell computed one off by rounding still gives the exact answer. A binary search
 * costs ~log2(bins) mispredicted branches per value; this is a multiply, a load and 1–2 compares.
 * Cuts clustered so tightly that no grid up to {@link MAX_CELLS} cells spreads them (or more than
 * {@link MAX_CUTS_PER_CELL} equal cuts) fall back to the binary search.
 */
export class BinLookup {
  /** Number of bins: cut points + 1. */
  readonly bins: number;
  private readonly cuts: Float64Array;
  private readonly lo: number;
  private readonly hi: number;
  private readonly cells: number;
  private readonly scale: number;
  /** Bin of each cell's left edge; empty when falling back to binary search. */
  private readonly start: Int32Array;

  constructor(cuts: Float64Array) {
    this.cuts = Float64Array.from(cuts);
    this.bins = cuts.length + 1;
    const n = cuts.length;
    this.lo = n > 0 ? cuts[0]! : 0;
    this.hi = n > 0 ? cuts[n - 1]! : 0;
    const width = this.hi - this.lo;
    let cells = Math.max(16, 4 * n);
    let start: Int32Array = new Int32Array(0);
    while (n > 1 && isSorted(cuts) && width > 0 && Number.isFinite(width) && cells <= MAX_CELLS) {
      const grid = gridOf(this.cuts, cells);
      if (grid) {
        start = grid;
        break;
      }
      cells *= 4;
    }
    this.start = start;
    this.cells = start.length;
    this.scale = start.length > 0 ? start.length / width : 0;
  }

  /** Number of cut points `<= x` (NaN: 0, as in the binary search). */
  index(x: number): number {
    const cuts = this.cuts;
    if (this.cells === 0) return upperBound(cuts, x);
    const n = cuts.length;
    if (!(x >= this.lo)) return 0;
    if (x >= this.hi) return n;
    let cell = ((x - this.lo) * this.scale) | 0;
    if (cell >= this.cells) cell = this.cells - 1;
    let b = this.start[cell]!;
    while (b > 0 && cuts[b - 1]! > x) b--;
    while (b < n && cuts[b]! <= x) b++;
    return b;
  }
}

/** Non-decreasing and free of NaN (otherwise only the binary search reproduces numpy's answer). */
function isSorted(cuts: Float64Array): boolean {
  for (let i = 1; i < cuts.length; i++) if (!(cuts[i - 1]! <= cuts[i]!)) return false;
  return true;
}

/** Bin of each cell's left edge, or null when some cell holds too many cuts. */
function gridOf(cuts: Float64Array, cells: number): Int32Array | null {
  const n = cuts.length;
  const lo = cuts[0]!;
  const width = cuts[n - 1]! - lo;
  const start = new Int32Array(cells);
  let b = 0;
  for (let c = 0; c < cells; c++) {
    const edge = lo + (width * c) / cells;
    while (b < n && cuts[b]! <= edge) b++;
    start[c] = b;
  }
  for (let c = 0; c < cells; c++) {
    const next = c + 1 < cells ? start[c + 1]! : n;
    if (next - start[c]! > MAX_CUTS_PER_CELL) return null;
  }
  return start;
}

/** Sorted copy of a sample. */
export function sortedCopy(sample: Sample): Float64Array {
  return Float64Array.from(sample).sort();
}

/** numpy's default (`linear`) quantile of a sorted sample, including its `_lerp` rounding. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  const prev = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
  const next = Math.min(prev + 1, n - 1);
  const t = virtual - Math.floor(virtual);
  const a = sorted[prev]!;
  const b = sorted[next]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Bins cut at the reference's quantiles `i/bins` (numpy `linear` interpolation); bins are
 * left-closed, `[q_i, q_{i+1})`, with open ends, so every value — also outside the reference's
 * range — has a bin. Repeated values in the reference may make some bins empty in both samples;
 * the measures' empty-bin rule handles that.
 */
export function quantileBinner(ref: Sample, bins = 10): Binner {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  if (ref.length === 0) throw new RangeError('the reference sample is empty');
  const lookup = new BinLookup(quantileCuts(sortedCopy(ref), bins));
  return { bins, index: (x) => lookup.index(x) };
}

/** The `bins - 1` inner cut points of quantile bins: quantiles `i/bins` of a sorted sample. */
export function quantileCuts(sorted: Float64Array, bins: number): Float64Array {
  const cuts = new Float64Array(bins - 1);
  for (let i = 1; i < bins; i++) cuts[i - 1] = quantileSorted(sorted, i / bins);
  return cuts;
}

/** Bins with explicit edges, numpy `histogram` semantics: `[e_i, e_{i+1})`, the last bin closed. */
export function edgesBinner(edges: Float64Array): Binner {
  const bins = edges.length - 1;
  const inner = edges.subarray(1, bins);
  return { bins, index: (x) => upperBound(inner, x) };
}

/** numpy `histogram_bin_edges(values, bins='sturges')`, bit for bit (`linspace` included). */
export function sturgesEdges(values: Sample): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / (Math.log2(values.length) + 1);
  const n = width ? Math.ceil((hi - lo) / width) : 1;
  const edges = new Float64Array(n + 1);
  const step = (hi - lo) / n;
  for (let i = 0; i <= n; i++) edges[i] = i * step + lo;
  edges[n] = hi;
  return edges;
}

/** Counts of each category over a shared key order (the union of both samples' categories). */
export function categoricalHistograms<T>(
  ref: Iterable<T>,
  cur: Iterable<T>,
): { keys: T[]; ref: Histogram; cur: Histogram } {
  const index = new Map<T, number>();
  const refCounts: number[] = [];
  const curCounts: number[] = [];
  const count = (values: Iterable<T>, mine: number[], other: number[]): number => {
    let total = 0;
    for (const v of values) {
      let i = index.get(v);
      if (i === undefined) {
        i = index.size;
        index.set(v, i);
        mine.push(0);
        other.push(0);
      }
      mine[i]! += 1;
      total += 1;
    }
    return total;
  };
  const refTotal = count(ref, refCounts, curCounts);
  const curTotal = count(cur, curCounts, refCounts);
  return {
    keys: [...index.keys()],
    ref: { counts: Float64Array.from(refCounts), total: refTotal },
    cur: { counts: Float64Array.from(curCounts), total: curTotal },
  };
}

/**
 * Reference and current histograms for a sample-level measure. `evidently` replicates Evidently's
 * legacy `get_binned_data`: when the reference has more than 20 distinct values, equal-width
 * Sturges bins over the concatenated samples; otherwise one bin per distinct value.
 */
export function binSamples(
  ref: Sample,
  cur: Sample,
  options: BinningOptions = {},
): { ref: Histogram; cur: Histogram } {
  if (ref.length === 0 || cur.length === 0) throw new RangeError('both samples must be non-empty');
  if ((options.binning ?? 'quantile') === 'quantile') {
    const binner = quantileBinner(ref, options.bins ?? 10);
    return { ref: histogramOf(ref, binner), cur: histogramOf(cur, binner) };
  }
  if (new Set(Array.from(ref)).size > 20) {
    const all = new Float64Array(ref.length + cur.length);
    all.set(Array.from(ref));
    all.set(Array.from(cur), ref.length);
    const binner = edgesBinner(sturgesEdges(all));
    return { ref: histogramOf(ref, binner), cur: histogramOf(cur, binner) };
  }
  const h = categoricalHistograms(Array.from(ref), Array.from(cur));
  return { ref: h.ref, cur: h.cur };
}

/**
 * Proportions `counts / total`. With `fillEmpty`, empty bins get Evidently's epsilon: the smallest
 * non-zero proportion / 10⁶ when that is ≤ 10⁻⁴, else 10⁻⁴ (so PSI and KL stay finite). The filled
 * proportions are not renormalised (PSI uses them as they are; KL renormalises as scipy does).
 */
export function proportions(h: Histogram, fillEmpty: boolean): Float64Array {
  const n = h.counts.length;
  const p = new Float64Array(n);
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const v = h.counts[i]! / h.total;
    p[i] = v;
    if (v !== 0 && v < min) min = v;
  }
  if (fillEmpty && min !== Infinity) {
    const eps = min <= 0.0001 ? min / 1e6 : 0.0001;
    for (let i = 0; i < n; i++) if (p[i] === 0) p[i] = eps;
  }
  return p;
}

/** Throws unless two histograms can be compared bin by bin. */
export function checkSameBins(ref: Histogram, cur: Histogram): void {
  if (ref.counts.length !== cur.counts.length) {
    throw new RangeError(`histograms differ in bins: ${ref.counts.length} vs ${cur.counts.length}`);
  }
  if (ref.total <= 0 || cur.total <= 0) throw new RangeError('both histograms must hold at least one value');
}
