/**
 * Registry of drift measures: config names resolve through these maps. Adding a measure = one
 * file + one line here.
 */
import type { Distance, HistogramDistance, Histogram, StatTest, TestResult } from '../measure.js';
import { chiSquareHistogram } from './chi-square.js';
import { hellinger, hellingerHistogram } from './hellinger.js';
import { jensenShannon, jensenShannonHistogram } from './jensen-shannon.js';
import { klDivergence, klDivergenceHistogram } from './kl-divergence.js';
import { ks2samp, ksStatistic } from './kolmogorov-smirnov.js';
import { psi, psiHistogram } from './psi.js';
import { wasserstein, wassersteinNorm } from './wasserstein.js';

/** Sample-level distances, `(ref, cur) => number`, with default options. */
export const distances = {
  psi: (ref, cur) => psi(ref, cur),
  'kl-divergence': (ref, cur) => klDivergence(ref, cur),
  'jensen-shannon': (ref, cur) => jensenShannon(ref, cur),
  hellinger: (ref, cur) => hellinger(ref, cur),
  wasserstein,
  'wasserstein-norm': wassersteinNorm,
  'ks-statistic': ksStatistic,
} as const satisfies Record<string, Distance>;

/** Distances a monitor can evaluate on incrementally kept counts. */
export const histogramDistances = {
  psi: psiHistogram,
  'kl-divergence': klDivergenceHistogram,
  'jensen-shannon': (ref, cur) => jensenShannonHistogram(ref, cur),
  hellinger: hellingerHistogram,
} as const satisfies Record<string, HistogramDistance>;

/** Two-sample tests on numeric samples. */
export const statTests = {
  ks: (ref, cur) => ks2samp(ref, cur),
} as const satisfies Record<string, StatTest>;

/** Tests on counts (categorical or binned). */
export const histogramTests = {
  'chi-square': chiSquareHistogram,
} as const satisfies Record<string, (ref: Histogram, cur: Histogram) => TestResult>;

export type DistanceName = keyof typeof distances;
export type HistogramDistanceName = keyof typeof histogramDistances;

export * from './chi-square.js';
export * from './hellinger.js';
export * from './histogram.js';
export * from './jensen-shannon.js';
export * from './kl-divergence.js';
export * from './kolmogorov-distribution.js';
export * from './kolmogorov-smirnov.js';
export * from './psi.js';
export * from './special.js';
export * from './wasserstein.js';
