import type { DriftMeasureName, DriftThresholdConfig } from '../../core/config/drift.js';
import type { DriftState } from '../../api/context.js';

/** Enter and exit thresholds of one measure, resolved from defaults, config and per-feature config. */
export interface Thresholds {
  warning: number;
  drift: number;
  exitWarning: number;
  exitDrift: number;
  /** True for p-value tests, where *smaller* values mean drift. */
  pValue: boolean;
}

/** Measures whose value is a p-value (drift when it is small). */
export const P_VALUE_MEASURES: ReadonlySet<string> = new Set(['ks', 'chi-square']);

/**
 * Defaults: PSI 0.1 / 0.25 (the industry rule of thumb), Jensen–Shannon 0.1 (Evidently's default)
 * / 0.2, KS and chi-square p < 0.05 / 0.01. `wasserstein` is in the feature's units: configure it.
 */
export const DEFAULT_THRESHOLDS: Record<DriftMeasureName, { warning: number; drift: number }> = {
  psi: { warning: 0.1, drift: 0.25 },
  'kl-divergence': { warning: 0.1, drift: 0.2 },
  'jensen-shannon': { warning: 0.1, drift: 0.2 },
  hellinger: { warning: 0.1, drift: 0.2 },
  'wasserstein-norm': { warning: 0.1, drift: 0.2 },
  wasserstein: { warning: 0.1, drift: 0.2 },
  'ks-statistic': { warning: 0.1, drift: 0.2 },
  ks: { warning: 0.05, drift: 0.01 },
  'chi-square': { warning: 0.05, drift: 0.01 },
};

/** Thresholds of `measure` for `feature`: per-feature config over per-measure config over defaults. */
export function resolveThresholds(
  measure: DriftMeasureName,
  feature: string,
  byMeasure: Partial<Record<string, DriftThresholdConfig>>,
  byFeature: Record<string, Partial<Record<string, DriftThresholdConfig>>>,
): Thresholds {
  const t = byFeature[feature]?.[measure] ?? byMeasure[measure] ?? DEFAULT_THRESHOLDS[measure];
  const pValue = P_VALUE_MEASURES.has(measure);
  // exits sit on the "ok" side of the enter thresholds: lower for distances, higher for p-values
  const exit = (x: number): number => (pValue ? Math.min(1, x * 2) : x * 0.8);
  const given = t as Partial<DriftThresholdConfig>;
  return {
    warning: t.warning,
    drift: t.drift,
    exitWarning: given.exitWarning ?? exit(t.warning),
    exitDrift: given.exitDrift ?? exit(t.drift),
    pValue,
  };
}

/**
 * The next state from the previous one and a new value, with hysteresis: a state is entered when
 * the value crosses its enter threshold and kept until the value is back past its exit threshold.
 * A NaN value (a test without enough categories) carries no evidence and keeps the state.
 */
export function classify(prev: DriftState, value: number, t: Thresholds): DriftState {
  if (Number.isNaN(value)) return prev;
  const beyond = t.pValue ? (th: number) => value <= th : (th: number) => value >= th;
  const stillIn = t.pValue ? (exit: number) => value <= exit : (exit: number) => value > exit;
  if (beyond(t.drift)) return 'drift';
  if (prev === 'drift' && stillIn(t.exitDrift)) return 'drift';
  if (beyond(t.warning)) return 'warning';
  if (prev !== 'ok' && stillIn(t.exitWarning)) return 'warning';
  return 'ok';
}

/** The threshold that a value in `state` crossed (the exit one for `ok`), for the alert document. */
export function thresholdOf(state: DriftState, t: Thresholds, leaving: DriftState): number {
  if (state === 'drift') return t.drift;
  if (state === 'warning') return t.warning;
  return leaving === 'drift' ? t.exitDrift : t.exitWarning;
}
