import { describe, expect, it } from 'vitest';
import {
  chi2Sf,
  chiSquare,
  chiSquareHistogram,
  hellinger,
  hellingerHistogram,
  jensenShannon,
  jensenShannonHistogram,
  klDivergence,
  klDivergenceHistogram,
  ks2samp,
  psi,
  psiHistogram,
  quantileBinner,
  histogramOf,
  createHistogram,
  addToHistogram,
  categoricalHistograms,
  wasserstein,
  wassersteinNorm,
  type KsAlternative,
} from '../../src/drift/measures/index.js';
import { distances, histogramDistances } from '../../src/drift/measures/index.js';
import type { Histogram } from '../../src/drift/measure.js';
import { close, loadFixture } from './fixtures.js';

interface Ks {
  statistic: number;
  pvalue: number;
}
type KsByAlt = Record<KsAlternative, Ks>;
interface BinnedExpected {
  refCounts: number[];
  curCounts: number[];
  psi: number;
  kl: number;
  js: number;
  js2: number;
  hellinger: number;
}
interface NumericCase {
  name: string;
  ref: number[];
  cur: number[];
  expected: {
    quantile10: BinnedExpected;
    quantile5: BinnedExpected;
    evidently?: { psi: number; kl: number; js: number; hellinger: number; wassersteinNorm: number };
    ks: KsByAlt;
    wasserstein: number;
    wassersteinNorm: number;
  };
}
interface CategoricalCase {
  name: string;
  ref: string[];
  cur: string[];
  expected: {
    keys: string[];
    chisquare: { statistic: number; pvalue: number };
    psi: number;
    kl: number;
    js: number;
    evidently?: { chisquarePvalue: number; psi: number; kl: number; js: number; hellinger: number };
  };
}
interface MeasuresFixture {
  meta: { versions: Record<string, string | null> };
  numeric: NumericCase[];
  ks: { name: string; ref: number[]; cur: number[]; expected: KsByAlt }[];
  categorical: CategoricalCase[];
  chi2sf: { x: number; df: number; sf: number }[];
}

const fx = loadFixture<MeasuresFixture>('measures.json');

/** p-values span many decades: compare relatively (1e-9), and exactly at 0 and 1. */
function expectP(actual: number, expected: number, tol = 1e-9): void {
  const ok = actual === expected || Math.abs(actual - expected) <= tol * Math.abs(expected);
  expect(ok, `p ${actual} vs ${expected}`).toBe(true);
}
function expectClose(actual: number, expected: number, tol = 1e-9): void {
  expect(close(actual, expected, tol), `${actual} vs ${expected}`).toBe(true);
}
const hist = (counts: number[]): Histogram => ({
  counts: Float64Array.from(counts),
  total: counts.reduce((a, b) => a + b, 0),
});

describe('numeric measures equal scipy / evidently', () => {
  for (const c of fx.numeric) {
    describe(c.name, () => {
      for (const bins of [10, 5] as const) {
        const e = c.expected[`quantile${bins}`];
        it(`quantile binning (${bins} bins) counts and histogram distances`, () => {
          const binner = quantileBinner(c.ref, bins);
          expect(Array.from(histogramOf(c.ref, binner).counts)).toEqual(e.refCounts);
          expect(Array.from(histogramOf(c.cur, binner).counts)).toEqual(e.curCounts);
          const r = hist(e.refCounts);
          const k = hist(e.curCounts);
          expectClose(psiHistogram(r, k), e.psi);
          expectClose(klDivergenceHistogram(r, k), e.kl);
          expectClose(jensenShannonHistogram(r, k), e.js);
          expectClose(jensenShannonHistogram(r, k, 2), e.js2);
          expectClose(hellingerHistogram(r, k), e.hellinger);
          expectClose(psi(c.ref, c.cur, { bins }), e.psi);
          expectClose(klDivergence(c.ref, c.cur, { bins }), e.kl);
          expectClose(jensenShannon(c.ref, c.cur, { bins, base: 2 }), e.js2);
          expectClose(hellinger(c.ref, c.cur, { bins }), e.hellinger);
        });
      }
      const ev = c.expected.evidently;
      if (ev) {
        it('evidently binning equals Evidently legacy stattests', () => {
          expectClose(psi(c.ref, c.cur, { binning: 'evidently' }), ev.psi);
          expectClose(klDivergence(c.ref, c.cur, { binning: 'evidently' }), ev.kl);
          expectClose(jensenShannon(c.ref, c.cur, { binning: 'evidently' }), ev.js);
          expectClose(hellinger(c.ref, c.cur, { binning: 'evidently' }), ev.hellinger);
          expectClose(wassersteinNorm(c.ref, c.cur), ev.wassersteinNorm);
        });
      }
      it('wasserstein equals scipy', () => {
        expectClose(wasserstein(c.ref, c.cur), c.expected.wasserstein);
        expectClose(wassersteinNorm(c.ref, c.cur), c.expected.wassersteinNorm);
      });
      it('ks_2samp (all alternatives) equals scipy', () => {
        for (const alt of ['two-sided', 'less', 'greater'] as const) {
          const r = ks2samp(c.ref, c.cur, { alternative: alt });
          expectClose(r.statistic, c.expected.ks[alt].statistic, 1e-12);
          expectP(r.pValue, c.expected.ks[alt].pvalue);
        }
      });
    });
  }
});

describe('ks_2samp special cases equal scipy', () => {
  for (const c of fx.ks) {
    it(`${c.name} (n=${c.ref.length}/${c.cur.length})`, () => {
      for (const alt of ['two-sided', 'less', 'greater'] as const) {
        const r = ks2samp(c.ref, c.cur, { alternative: alt });
        expectClose(r.statistic, c.expected[alt].statistic, 1e-12);
        expectP(r.pValue, c.expected[alt].pvalue);
      }
    });
  }
});

describe('categorical measures equal scipy / evidently', () => {
  for (const c of fx.categorical) {
    it(c.name, () => {
      const chi = chiSquare(c.ref, c.cur);
      expectClose(chi.statistic, c.expected.chisquare.statistic);
      expectP(chi.pValue, c.expected.chisquare.pvalue);
      const h = categoricalHistograms(c.ref, c.cur);
      expectClose(psiHistogram(h.ref, h.cur), c.expected.psi);
      expectClose(klDivergenceHistogram(h.ref, h.cur), c.expected.kl);
      expectClose(jensenShannonHistogram(h.ref, h.cur), c.expected.js);
      const ev = c.expected.evidently;
      if (ev) {
        expectP(chiSquareHistogram(h.ref, h.cur).pValue, ev.chisquarePvalue);
        expectClose(psiHistogram(h.ref, h.cur), ev.psi);
        expectClose(klDivergenceHistogram(h.ref, h.cur), ev.kl);
        expectClose(jensenShannonHistogram(h.ref, h.cur), ev.js);
        expectClose(hellingerHistogram(h.ref, h.cur), ev.hellinger);
      }
    });
  }
});

describe('chi-square survival function (regularized upper incomplete gamma)', () => {
  it('equals scipy.stats.chi2.sf to 1e-12 relative', () => {
    for (const { x, df, sf } of fx.chi2sf) expectP(chi2Sf(x, df), sf, 1e-12);
  });
});

describe('streaming histograms', () => {
  it('incremental counts give the same distances as whole samples', () => {
    const c = fx.numeric[0]!;
    const binner = quantileBinner(c.ref, 10);
    const ref = histogramOf(c.ref, binner);
    const cur = createHistogram(binner.bins);
    for (const x of c.cur) addToHistogram(cur, binner, x);
    expect(psiHistogram(ref, cur)).toBe(psi(c.ref, c.cur));
    expect(hellingerHistogram(ref, cur)).toBe(hellinger(c.ref, c.cur));
  });

  it('rejects histograms with different bins', () => {
    expect(() => psiHistogram(hist([1, 2]), hist([1, 2, 3]))).toThrow(RangeError);
  });

  it('every registered distance is 0 for identical samples and positive for shifted ones', () => {
    const a = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 10);
    const b = a.map((x) => x + 5);
    for (const [name, d] of Object.entries(distances)) {
      // Hellinger is √(1 − Σ√(pq)): rounding in Σ leaves ~1e-8, as in scipy/Evidently.
      expect(d(a, a), name).toBeCloseTo(0, 7);
      expect(d(a, b), name).toBeGreaterThan(0);
    }
    const binner = quantileBinner(a, 10);
    for (const [name, d] of Object.entries(histogramDistances)) {
      expect(d(histogramOf(a, binner), histogramOf(a, binner)), name).toBeCloseTo(0, 7);
    }
  });
});

it('fixtures were generated with the pinned libraries', () => {
  expect(fx.meta.versions.scipy).toBeTruthy();
  expect(fx.meta.versions.evidently).toBeTruthy();
});
