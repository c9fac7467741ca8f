import type { DriftMeasureName } from '../../core/config/drift.js';
import type { FieldValue } from '../../core/event.js';
import type { Json } from '../detector.js';
import type { Histogram } from '../measure.js';
import {
  BinLookup,
  createHistogram,
  histogramDistances,
  histogramTests,
  ks2sampSorted,
  quantileCuts,
  sortedCopy,
  wassersteinNormSorted,
  wassersteinSorted,
} from '../measures/index.js';
import { decodeFloat64, decodeInt32, encodeFloat64, encodeInt32, WindowRing } from './ring.js';

export type FeatureKind = 'numeric' | 'categorical';

/** Event-time bounds and size of a reference or current window. */
export interface WindowBounds {
  start: number;
  end: number;
  count: number;
}

/** How the current window slides: the last `size` values, or the values within `size` ms of event time. */
export type CurrentWindow =
  { type: 'count'; size: number } | { type: 'time'; size: number; minCount: number };

/** Measures that work on counts, so they suit categorical features too. */
const COUNT_MEASURES: ReadonlySet<string> = new Set([
  'psi',
  'kl-divergence',
  'jensen-shannon',
  'hellinger',
  'chi-square',
]);
/** Categories beyond this many share one overflow bin (bounded state for high-cardinality fields). */
const MAX_CATEGORIES = 1_000;
const OVERFLOW = '\u0000other';

/**
 * One feature's reference and current window. Numeric values are binned at the reference's
 * quantiles, categorical ones by category (a dense id, looked up once per value); both windows keep
 * counts per bin, updated by +1/−1 as a value enters or leaves the sliding window, so histogram
 * measures evaluate in O(bins) without rereading values. Per value the work is O(1) and allocates
 * nothing: a {@link BinLookup} for the bin, three typed-array writes into the ring, two counts.
 * The ring keeps the values too (needed to re-pin the reference, for the checkpoint, and for the
 * sample measures KS/Wasserstein, which sort the window at each evaluation: O(W log W) per check).
 */
export class FeatureTracker {
  private readonly numeric: boolean;
  private readonly countWindow: boolean;
  private readonly size: number;
  private readonly minCount: number;
  private readonly needsSorted: boolean;
  /** Reference under collection (`first` mode) until `refTarget` values are in. */
  private refValues: Float64Array;
  private refCount = 0;
  private refStart = 0;
  private refEnd = 0;
  private ready = false;
  private binner: BinLookup | null = null;
  private refHist: Histogram = createHistogram(1);
  private refSorted: Float64Array = new Float64Array(0);
  private readonly categories: string[] = [];
  private readonly catIndex = new Map<string, number>();
  private ring: WindowRing;
  private curHist: Histogram = createHistogram(1);
  private maxTs = -Infinity;
  private scratch: Float64Array = new Float64Array(0);
  /** Values that were absent, null or not finite. */
  missing = 0;

  constructor(
    readonly name: string,
    readonly kind: FeatureKind,
    readonly measures: readonly DriftMeasureName[],
    private readonly bins: number,
    window: CurrentWindow,
    /** Values the `first` reference collects; 0 when the reference is given (file). */
    private readonly refTarget: number,
  ) {
    if (kind === 'categorical')
      for (const m of measures)
        if (!COUNT_MEASURES.has(m))
          throw new RangeError(`measure "${m}" needs numeric values; feature "${name}" is categorical`);
    this.numeric = kind === 'numeric';
    this.countWindow = window.type === 'count';
    this.size = window.size;
    this.minCount = window.type === 'count' ? window.size : window.minCount;
    this.needsSorted = measures.some((m) => !COUNT_MEASURES.has(m));
    this.refValues = new Float64Array(refTarget);
    this.ring = new WindowRing(window.type === 'count' ? window.size : 1024, window.type === 'time');
  }

  /** Whether both windows are full enough to evaluate. */
  get evaluable(): boolean {
    return this.ready && this.ring.length >= this.minCount;
  }

  get referenceBounds(): WindowBounds | null {
    return this.ready ? { start: this.refStart, end: this.refEnd, count: this.refHist.total } : null;
  }

  get currentBounds(): WindowBounds {
    const n = this.ring.length;
    return n === 0
      ? { start: 0, end: 0, count: 0 }
      : { start: this.ring.oldestTime, end: this.ring.newestTime, count: n };
  }

  /**
   * Copies of the reference and current counts per bin and, for a categorical feature, the
   * category of each bin (bins are in order of first appearance).
   */
  histograms(): { reference: Histogram; current: Histogram; categories: string[] | null } {
    const copy = (h: Histogram): Histogram => ({ counts: Float64Array.from(h.counts), total: h.total });
    return {
      reference: copy(this.refHist),
      current: copy(this.curHist),
      categories: this.numeric ? null : [...this.categories],
    };
  }

  /** Adds one value at event time `ts` (null, absent or — numeric — not a finite number: missing). */
  observe(v: FieldValue | undefined, ts: number): void {
    if (this.numeric) {
      this.observeNumber(typeof v === 'number' ? v : Number.NaN, ts);
      return;
    }
    if (v === null || v === undefined) {
      this.missing++;
      return;
    }
    const c = this.category(typeof v === 'string' ? v : String(v));
    if (!this.ready) this.collect(c, ts);
    else this.add(c, c, ts); // a category's index is its bin
  }

  /** The hot path of a numeric feature: {@link observe} with the value read as a number (NaN: absent). */
  observeNumber(x: number, ts: number): void {
    if (!Number.isFinite(x)) {
      this.missing++;
      return;
    }
    if (!this.ready) this.collect(x, ts);
    else this.add(x, this.binner!.index(x), ts);
  }

  /** Evicts what a time window no longer holds at event time `ts` (called before evaluating). */
  advanceTo(ts: number): void {
    if (this.countWindow) return;
    if (ts > this.maxTs) this.maxTs = ts;
    this.evict(this.maxTs - this.size);
  }

  /** Each measure's value on the current counts/values; NaN where a test cannot decide. */
  evaluate(): number[] {
    let sorted: Float64Array | null = null;
    const cur = (): Float64Array => {
      if (!sorted) {
        this.scratch = this.ring.copyValues(
          this.scratch.length >= this.ring.length ? this.scratch : undefined,
        );
        sorted = this.scratch.subarray(0, this.ring.length).sort();
      }
      return sorted;
    };
    return this.measures.map((m) => {
      switch (m) {
        case 'psi':
        case 'kl-divergence':
        case 'jensen-shannon':
        case 'hellinger':
          return histogramDistances[m](this.refHist, this.curHist);
        case 'chi-square':
          return histogramTests['chi-square'](this.refHist, this.curHist).pValue;
        case 'ks':
          return ks2sampSorted(this.refSorted, cur()).pValue;
        case 'ks-statistic':
          return ks2sampSorted(this.refSorted, cur()).statistic;
        case 'wasserstein':
          return wassersteinSorted(this.refSorted, cur());
        case 'wasserstein-norm':
          return wassersteinNormSorted(this.refSorted, cur());
      }
    });
  }

  /**
   * Replaces the reference: numeric values (or category names) with their event-time bounds.
   * Numeric bins are re-cut at the new reference's quantiles and the current window re-binned.
   */
  setReference(values: ArrayLike<number> | readonly string[], start: number, end: number): void {
    const n = values.length;
    if (n < 2) throw new RangeError(`reference of "${this.name}" needs at least 2 values, got ${n}`);
    const encoded = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      encoded[i] = typeof v === 'string' ? this.category(v) : v;
    }
    this.finish(encoded, start, end);
  }

  /** The current window becomes the reference (`pinReference`); false when the window is empty. */
  pin(): boolean {
    if (this.ring.length < 2) return false;
    const b = this.currentBounds;
    this.finish(this.ring.copyValues(), b.start, b.end);
    return true;
  }

  private collect(x: number, ts: number): void {
    if (this.refTarget === 0) return; // waiting for a file reference that had no values
    if (this.refCount === 0) this.refStart = ts;
    this.refEnd = ts;
    this.refValues[this.refCount++] = x;
    if (this.refCount === this.refTarget) this.finish(this.refValues, this.refStart, this.refEnd);
  }

  /** Builds bins and counts from reference values (category indices for categorical features). */
  private finish(values: Float64Array, start: number, end: number): void {
    this.refValues = values;
    this.refCount = values.length;
    this.refStart = start;
    this.refEnd = end;
    this.ready = true;
    if (this.numeric) {
      const sorted = sortedCopy(values);
      this.binner = new BinLookup(cutsFor(sorted, this.bins));
      this.refHist = createHistogram(this.binner.bins);
      for (let i = 0; i < values.length; i++) this.refHist.counts[this.binner.index(values[i]!)]! += 1;
      if (this.needsSorted) this.refSorted = sorted;
    } else {
      this.refHist = createHistogram(this.categories.length);
      for (let i = 0; i < values.length; i++) this.refHist.counts[values[i]!]! += 1;
    }
    this.refHist.total = values.length;
    this.rebinCurrent();
  }

  private rebinCurrent(): void {
    this.curHist = createHistogram(this.refHist.counts.length);
    const binner = this.binner;
    const ring = this.ring;
    const counts = this.curHist.counts;
    ring.forEach((v, _b, _t, k) => {
      const bin = binner ? binner.index(v) : v;
      ring.setBin(k, bin);
      counts[bin]! += 1;
    });
    this.curHist.total = ring.length;
  }

  /** Count window: a full ring overwrites its oldest entry, whose bin loses one count. */
  private add(x: number, bin: number, ts: number): void {
    if (!this.countWindow) this.push(x, bin, ts);
    else if (this.ring.slide(x, bin, ts, this.curHist.counts)) this.curHist.total += 1;
  }

  /** Time window: evicts what is older than `size` before the newest event time, then appends. */
  private push(x: number, bin: number, ts: number): void {
    if (ts > this.maxTs) this.maxTs = ts;
    this.evict(this.maxTs - this.size);
    this.ring.push(x, bin, ts);
    this.curHist.counts[bin]! += 1;
    this.curHist.total += 1;
  }

  private evict(limit: number): void {
    const ring = this.ring;
    while (ring.length > 0 && ring.oldestTime <= limit) {
      this.curHist.counts[ring.oldestBin]! -= 1;
      this.curHist.total -= 1;
      ring.shift();
    }
  }

  /**
   * Index of a category, adding it (and a zero bin to both histograms) when new. Past
   * {@link MAX_CATEGORIES} categories, new ones go to one extra overflow bin.
   */
  private category(key: string): number {
    const i = this.catIndex.get(key);
    if (i !== undefined) return i;
    if (this.categories.length >= MAX_CATEGORIES && key !== OVERFLOW) return this.category(OVERFLOW);
    const j = this.categories.length;
    this.categories.push(key);
    this.catIndex.set(key, j);
    if (this.ready) {
      this.refHist = widen(this.refHist, j + 1);
      this.curHist = widen(this.curHist, j + 1);
    }
    return j;
  }

  toJSON(): Json {
    const cat = !this.numeric;
    const ringValues = this.ring.copyValues();
    const ringTimes = new Float64Array(this.ring.length);
    this.ring.forEach((_v, _b, t, k) => (ringTimes[k] = t));
    return {
      ready: this.ready,
      ref: encodeFloat64(this.refValues.subarray(0, this.refCount)),
      refStart: this.refStart,
      refEnd: this.refEnd,
      categories: cat ? [...this.categories] : null,
      values: cat ? encodeInt32(Int32Array.from(ringValues)) : encodeFloat64(ringValues),
      times: encodeFloat64(ringTimes),
      maxTs: Number.isFinite(this.maxTs) ? this.maxTs : null,
      missing: this.missing,
    };
  }

  /** Restores what {@link toJSON} wrote into a tracker built with the same options. */
  restore(json: Json): void {
    const s = json as {
      ready: boolean;
      ref: string;
      refStart: number;
      refEnd: number;
      categories: string[] | null;
      values: string;
      times: string;
      maxTs: number | null;
      missing: number;
    };
    this.categories.length = 0;
    this.catIndex.clear();
    for (const c of s.categories ?? []) this.category(c);
    const ref = decodeFloat64(s.ref);
    const values = this.numeric ? decodeFloat64(s.values) : Float64Array.from(decodeInt32(s.values));
    const times = decodeFloat64(s.times);
    this.ring = new WindowRing(
      this.countWindow ? this.size : Math.max(1024, values.length),
      !this.countWindow,
    );
    for (let i = 0; i < values.length; i++) this.ring.push(values[i]!, 0, times[i]!);
    this.maxTs = s.maxTs ?? -Infinity;
    this.missing = s.missing;
    if (s.ready) this.finish(ref, s.refStart, s.refEnd);
    else {
      this.ready = false;
      this.refValues = new Float64Array(this.refTarget);
      this.refValues.set(ref);
      this.refCount = ref.length;
      this.refStart = s.refStart;
      this.refEnd = s.refEnd;
    }
  }
}

/**
 * Cut points of the bins of a sorted reference: its quantiles, unless it holds at most `bins`
 * distinct values (0/1 errors, small integer codes): then one bin per distinct value, cut at
 * midpoints. Quantile cuts of such a sample coincide, and a skewed 0/1 stream (90 % zeros) would
 * put 0 and 1 into the same bin.
 */
function cutsFor(sorted: Float64Array, bins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length && distinct.length <= bins; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  if (distinct.length > bins) return quantileCuts(sorted, bins);
  return Float64Array.from(distinct.slice(1), (v, i) => distinct[i]! + (v - distinct[i]!) / 2);
}

function widen(h: Histogram, bins: number): Histogram {
  const counts = new Float64Array(bins);
  counts.set(h.counts);
  return { counts, total: h.total };
}
