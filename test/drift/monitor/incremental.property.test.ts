import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driftMeasureSchema, type DriftMeasureName } from '../../../src/core/config/drift.js';
import type { FieldValue } from '../../../src/core/event.js';
import type { Histogram } from '../../../src/drift/measure.js';
import {
  histogramDistances,
  histogramTests,
  ks2samp,
  quantileSorted,
  wasserstein,
  wassersteinNorm,
} from '../../../src/drift/measures/index.js';
import { FeatureTracker, type CurrentWindow } from '../../../src/drift/monitor/feature.js';

/**
 * The tracker keeps its windows' counts incrementally (+1/−1 as values enter and leave the
 * window). These properties replay random streams — missing and non-finite values, ties, events
 * out of order, evictions, time windows, re-pinned references, checkpoint round-trips mid-stream —
 * through the tracker and through a naive model that keeps plain arrays and recounts everything
 * from scratch, and require the same windows, counts and scores after every step.
 */

type Op =
  | { op: 'value'; v: FieldValue | undefined; dt: number }
  | { op: 'advance'; dt: number }
  | { op: 'snapshot' }
  | { op: 'pin' };

interface Setup {
  numeric: boolean;
  bins: number;
  window: CurrentWindow;
  refTarget: number;
  /** A reference given up front (as from a file) instead of collected from the stream. */
  fileReference: (number | string)[] | null;
  measures: DriftMeasureName[];
}

const NUMERIC_MEASURES: DriftMeasureName[] = [...driftMeasureSchema.options];
const COUNT_MEASURES: DriftMeasureName[] = [
  'psi',
  'kl-divergence',
  'jensen-shannon',
  'hellinger',
  'chi-square',
];

/** Numbers with many ties (so the distinct-value bins appear too) and the odd non-finite one. */
const numericValue: fc.Arbitrary<FieldValue | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 6, arbitrary: fc.double({ min: -50, max: 50, noNaN: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<FieldValue | undefined>(Number.NaN, Infinity, null, undefined, 'x', true),
  },
);
const categoricalValue: fc.Arbitrary<FieldValue | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') },
  { weight: 1, arbitrary: fc.constantFrom<FieldValue | undefined>(true, false, 3, null, undefined) },
);

const setup: fc.Arbitrary<Setup> = fc.boolean().chain((numeric) =>
  fc.record({
    numeric: fc.constant(numeric),
    bins: fc.integer({ min: 2, max: 12 }),
    window: fc.oneof(
      fc.record({ type: fc.constant('count' as const), size: fc.integer({ min: 2, max: 40 }) }),
      fc.record({
        type: fc.constant('time' as const),
        size: fc.integer({ min: 2, max: 150 }).map((x) => x * 10),
        minCount: fc.integer({ min: 2, max: 10 }),
      }),
    ),
    refTarget: fc.integer({ min: 2, max: 40 }),
    fileReference: fc.option<(number | string)[]>(
      numeric
        ? fc.array(fc.oneof(fc.integer({ min: -4, max: 4 }), fc.double({ min: -50, max: 50, noNaN: true })), {
            minLength: 2,
            maxLength: 40,
          })
        : fc.array<number | string>(fc.constantFrom('a', 'b', 'c', 'g'), { minLength: 2, maxLength: 40 }),
      { freq: 4 },
    ),
    measures: fc.subarray(numeric ? NUMERIC_MEASURES : COUNT_MEASURES, { minLength: 1 }),
  }),
);

function ops(numeric: boolean): fc.Arbitrary<Op[]> {
  // event time moves forward, with disorder; on a 10 ms grid, so values sit exactly on window edges
  const dt = fc.integer({ min: -4, max: 12 }).map((x) => x * 10);
  return fc.array(
    fc.oneof(
      {
        weight: 30,
        arbitrary: fc.record({
          op: fc.constant('value' as const),
          v: numeric ? numericValue : categoricalValue,
          dt,
        }),
      },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), dt }) },
      { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'pin' as const }) },
    ),
    { maxLength: 250 },
  );
}

/** The naive model: plain arrays, everything recomputed from scratch on demand. */
class Model {
  ref: (number | string)[] = [];
  refStart = 0;
  refEnd = 0;
  ready = false;
  window: { v: number | string; ts: number }[] = [];
  maxTs = -Infinity;
  missing = 0;

  constructor(private readonly s: Setup) {}

  observe(v: FieldValue | undefined, ts: number): void {
    let x: number | string;
    if (this.s.numeric) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return void this.missing++;
      x = v;
    } else {
      if (v === null || v === undefined) return void this.missing++;
      x = String(v);
    }
    if (!this.ready) {
      if (this.s.fileReference) return; // a file reference never collects from the stream
      if (this.ref.length === 0) this.refStart = ts;
      this.refEnd = ts;
      this.ref.push(x);
      if (this.ref.length === this.s.refTarget) this.ready = true;
      return;
    }
    const w = this.s.window;
    if (w.type === 'time') this.advance(ts);
    this.window.push({ v: x, ts });
    if (w.type === 'count' && this.window.length > w.size) this.window.shift();
  }

  /** Time windows evict from the oldest arrival while it is at least `size` behind the newest time. */
  advance(ts: number): void {
    if (this.s.window.type !== 'time') return;
    this.maxTs = Math.max(this.maxTs, ts);
    while (this.window.length > 0 && this.window[0]!.ts <= this.maxTs - this.s.window.size)
      this.window.shift();
  }

  pin(): boolean {
    if (this.window.length < 2) return false;
    this.ref = this.window.map((e) => e.v);
    this.refStart = this.window[0]!.ts;
    this.refEnd = this.window[this.window.length - 1]!.ts;
    this.ready = true;
    return true;
  }

  /** Cut points recomputed from the reference: quantiles, or midpoints between few distinct values. */
  cuts(): number[] {
    const sorted = Float64Array.from(this.ref as number[]).sort();
    const distinct = [...new Set(sorted)];
    if (distinct.length > this.s.bins)
      return Array.from({ length: this.s.bins - 1 }, (_, i) => quantileSorted(sorted, (i + 1) / this.s.bins));
    return distinct.slice(1).map((v, i) => distinct[i]! + (v - distinct[i]!) / 2);
  }

  /** Counts per numeric bin (the number of cuts at or below a value, counted one by one). */
  numericCounts(values: (number | string)[], cuts: number[]): number[] {
    const counts = new Array<number>(cuts.length + 1).fill(0);
    for (const v of values) counts[cuts.filter((c) => c <= (v as number)).length]! += 1;
    return counts;
  }
}

function categoryCounts(values: (number | string)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v as string, (m.get(v as string) ?? 0) + 1);
  return m;
}

/** Non-zero counts of a categorical histogram by category name. */
function byName(h: Histogram, categories: string[]): Map<string, number> {
  const m = new Map<string, number>();
  h.counts.forEach((c, i) => {
    if (c !== 0) m.set(categories[i]!, c);
  });
  return m;
}

function histogramOf(counts: number[]): Histogram {
  return { counts: Float64Array.from(counts), total: counts.reduce((a, b) => a + b, 0) };
}

/** Each measure recomputed from the model's recounted histograms and raw values. */
function expectedScores(model: Model, s: Setup, ref: Histogram, cur: Histogram): number[] {
  // sorted, as the tracker keeps them (the normalising std then sums in the same order)
  const refValues = Float64Array.from(model.ref as number[]).sort();
  const curValues = Float64Array.from(model.window, (e) => e.v as number).sort();
  return s.measures.map((m) => {
    switch (m) {
      case 'psi':
      case 'kl-divergence':
      case 'jensen-shannon':
      case 'hellinger':
        return histogramDistances[m](ref, cur);
      case 'chi-square':
        return histogramTests['chi-square'](ref, cur).pValue;
      case 'ks':
        return ks2samp(refValues, curValues).pValue;
      case 'ks-statistic':
        return ks2samp(refValues, curValues).statistic;
      case 'wasserstein':
        return wasserstein(refValues, curValues);
      case 'wasserstein-norm':
        return wassersteinNorm(refValues, curValues);
    }
  });
}

function compare(t: FeatureTracker, model: Model, s: Setup): void {
  expect(t.missing).toBe(model.missing);
  const w = model.window;
  expect(t.currentBounds).toEqual(
    w.length === 0
      ? { start: 0, end: 0, count: 0 }
      : { start: w[0]!.ts, end: w[w.length - 1]!.ts, count: w.length },
  );
  if (!model.ready) {
    expect(t.referenceBounds).toBeNull();
    return;
  }
  expect(t.referenceBounds).toEqual({ start: model.refStart, end: model.refEnd, count: model.ref.length });
  const h = t.histograms();
  expect(h.current.total).toBe(w.length);
  expect(h.reference.total).toBe(model.ref.length);
  let ref: Histogram;
  let cur: Histogram;
  if (s.numeric) {
    const cuts = model.cuts();
    ref = histogramOf(model.numericCounts(model.ref, cuts));
    cur = histogramOf(
      model.numericCounts(
        w.map((e) => e.v),
        cuts,
      ),
    );
    expect(Array.from(h.reference.counts)).toEqual(Array.from(ref.counts));
    expect(Array.from(h.current.counts)).toEqual(Array.from(cur.counts));
  } else {
    const categories = h.categories!;
    expect(byName(h.reference, categories)).toEqual(categoryCounts(model.ref));
    expect(byName(h.current, categories)).toEqual(categoryCounts(w.map((e) => e.v)));
    ref = h.reference;
    cur = h.current;
  }
  const minCount = s.window.type === 'count' ? s.window.size : s.window.minCount;
  expect(t.evaluable).toBe(w.length >= minCount);
  if (t.evaluable) expect(t.evaluate()).toEqual(expectedScores(model, s, ref, cur));
}

function tracker(s: Setup): FeatureTracker {
  const t = new FeatureTracker(
    'f',
    s.numeric ? 'numeric' : 'categorical',
    s.measures,
    s.bins,
    s.window,
    s.fileReference ? 0 : s.refTarget,
  );
  return t;
}

describe('incremental window counts equal a from-scratch recount', () => {
  it('on random streams with evictions, time windows, pins and checkpoint round-trips', () => {
    fc.assert(
      fc.property(
        setup.chain((s) => fc.tuple(fc.constant(s), ops(s.numeric))),
        ([s, steps]) => {
          let t = tracker(s);
          const model = new Model(s);
          if (s.fileReference) {
            const values = s.fileReference;
            if (s.numeric) t.setReference(Float64Array.from(values as number[]), 10, 20);
            else t.setReference(values as string[], 10, 20);
            model.ref = s.numeric ? values : values.map(String);
            model.refStart = 10;
            model.refEnd = 20;
            model.ready = true;
          }
          let ts = 1_000;
          for (const step of steps) {
            switch (step.op) {
              case 'value':
                ts += step.dt;
                t.observe(step.v, ts);
                model.observe(step.v, ts);
                break;
              case 'advance':
                ts += step.dt;
                t.advanceTo(ts);
                model.advance(ts);
                break;
              case 'pin':
                expect(t.pin()).toBe(model.pin());
                break;
              case 'snapshot': {
                const state = JSON.parse(JSON.stringify(t.toJSON()));
                t = tracker(s);
                t.restore(state);
                break;
              }
            }
            compare(t, model, s);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('more categories than the limit share one overflow bin, and the counts still add up', () => {
    const t = new FeatureTracker('c', 'categorical', ['psi'], 10, { type: 'count', size: 500 }, 1_000);
    for (let i = 0; i < 1_000; i++) t.observe(`k${i}`, i);
    for (let i = 0; i < 1_500; i++) t.observe(`n${i}`, 1_000 + i);
    const h = t.histograms();
    expect(h.categories).toHaveLength(1_001);
    expect(h.reference.total).toBe(1_000);
    expect(h.current.total).toBe(500);
    expect(h.current.counts[1_000]).toBe(500); // all 1500 new names overflowed; the last 500 are in the window
    expect(t.evaluate()[0]).toBeGreaterThan(1);
    const restored = new FeatureTracker('c', 'categorical', ['psi'], 10, { type: 'count', size: 500 }, 1_000);
    restored.restore(JSON.parse(JSON.stringify(t.toJSON())));
    expect(restored.histograms()).toEqual(h);
  });
});
