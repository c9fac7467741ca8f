import type { Sample, TestResult } from '../measure.js';
import { kstwoSf } from './kolmogorov-distribution.js';
import { sortedCopy } from './histogram.js';
import { lnGamma } from './special.js';

/** Which alternative hypothesis, as scipy names them (`less`: cur's CDF lies above ref's…). */
export type KsAlternative = 'two-sided' | 'less' | 'greater';

/** Options of {@link ks2samp}. */
export interface KsOptions {
  alternative?: KsAlternative;
}

/** scipy's `MAX_AUTO_N`: `method='auto'` is exact when both sizes are at most this. */
export const KS_MAX_EXACT_N = 10_000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `P(D_{n,n} ≥ h/n)` for equal sample sizes (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/** 1 − proportion of lattice paths staying strictly inside `|x/m − y/n| < h/lcm` (scipy, Viehmann's recursion). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(maxj - minj + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1]!;
}

/** `binom(n, k)` as scipy: the product formula for small k, else via ln Γ (overflows to ∞). */
function binom(n: number, k: number): number {
  let kx = k;
  if (kx > n / 2 && n > 0) kx = n - kx;
  if (kx >= 0 && kx < 20) {
    let num = 1;
    let den = 1;
    for (let i = 1; i < 1 + kx; i++) {
      num *= i + n - kx;
      den *= i;
      if (Math.abs(num) > 1e50) {
        num /= den;
        den = 1;
      }
    }
    return num / den;
  }
  return Math.exp(lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1));
}

/** Number of lattice paths crossing `m·y ≤ n·x − h·g` (scipy `_count_paths_outside_method`). */
function countPathsOutside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  const lxj = n + Math.floor((mg - h) / mg);
  if (lxj <= 0) return binom(m + n, n);
  const xj = new Float64Array(lxj);
  for (let j = 0; j < lxj; j++) xj[j] = Math.floor((h + mg * j + ng - 1) / ng);
  const B = new Float64Array(lxj);
  B[0] = 1;
  for (let j = 1; j < lxj; j++) {
    let Bj = binom(xj[j]! + j, j);
    for (let i = 0; i < j; i++) Bj -= binom(xj[j]! - xj[i]! + j - i, j - i) * B[i]!;
    B[j] = Bj;
  }
  let paths = 0;
  for (let j = 0; j < lxj; j++) paths += B[j]! * binom(m - xj[j]! + (n - j), n - j);
  return paths;
}

/** The exact p-value, or `undefined` where scipy's exact attempt fails and it falls back. */
function exactP(
  n1: number,
  n2: number,
  g: number,
  h: number,
  alternative: KsAlternative,
): number | undefined {
  let prob: number;
  if (alternative === 'two-sided') {
    prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  } else if (n1 === n2) {
    prob = 1;
    for (let j = 0; j < h; j++) prob *= (n1 - j) / (n1 + j + 1);
  } else {
    const paths = countPathsOutside(n1, n2, g, h);
    const all = binom(n1 + n2, n1);
    if (!Number.isFinite(paths) || !Number.isFinite(all) || paths > all) return undefined;
    prob = paths / all;
  }
  return prob >= 0 && prob <= 1 ? prob : undefined;
}

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * Two-sample KS test on already sorted samples, without copying — KSWIN calls it per event.
 * Same result as {@link ks2samp}.
 */
export function ks2sampSorted(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  alternative: KsAlternative = 'two-sided',
): TestResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('both samples must be non-empty');
  let maxS = -Infinity;
  let minDiff = Infinity;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  let d = alternative === 'less' || (alternative === 'two-sided' && minS > maxS) ? minS : maxS;
  const g = gcd(n1, n2);
  let prob: number | undefined;
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    prob = h === 0 ? 1 : exactP(n1, n2, g, h, alternative);
  }
  if (prob === undefined) {
    const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
    const en = (m * n) / (m + n);
    if (alternative === 'two-sided') {
      prob = kstwoSf(roundHalfEven(en), d);
    } else {
      const z = Math.sqrt(en) * d;
      prob = Math.exp(-2 * z ** 2 - (2 * z * (m + 2 * n)) / Math.sqrt(m * n * (m + n)) / 3);
    }
  }
  return { statistic: d, pValue: Math.min(Math.max(prob, 0), 1) };
}

/**
 * Two-sample Kolmogorov–Smirnov test, as `scipy.stats.ks_2samp(ref, cur, alternative, method='auto')`:
 * exact p-values when both samples have at most 10 000 values (falling back as scipy does when the
 * exact computation overflows), the asymptotic `kstwo` distribution above.
 *
 * @example
 * ks2samp([1, 2, 3, 4, 5, 6, 7], [2.5, 3.5, 8, 9, 10]) // { statistic: 0.6, pValue: 0.1666… }
 */
export function ks2samp(ref: Sample, cur: Sample, options: KsOptions = {}): TestResult {
  return ks2sampSorted(sortedCopy(ref), sortedCopy(cur), options.alternative ?? 'two-sided');
}

/** The KS statistic alone, as a {@link import('../measure.js').Distance}. */
export function ksStatistic(ref: Sample, cur: Sample): number {
  return ks2samp(ref, cur).statistic;
}
