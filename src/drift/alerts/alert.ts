import { createHash } from 'node:crypto';
import type { Row } from '../../sinks/sink.js';

/** The state an alert announces: a feature entered warning or drift, or its episode ended. */
export type AlertState = 'warning' | 'drift' | 'resolved';

/** Event-time bounds of a window the alert compares. */
export interface AlertWindow {
  start: number;
  end: number;
  count: number;
}

/**
 * One alert, as every channel sends it (JSON). Raised deterministically from the stream: a replay
 * raises the same alert with the same `id`, so channels and receivers deduplicate by it.
 */
export interface Alert {
  /** Hash of (pipeline, feature, measure, current window start, state): stable across replays. */
  id: string;
  pipeline: string;
  /** `feature` (a field, or the learner's `prediction`/`error`), `dataset` or `detector`. */
  kind: 'feature' | 'dataset' | 'detector';
  feature: string;
  measure: string;
  state: AlertState;
  severity: 'info' | 'warning' | 'critical';
  /** The measure's value at the evaluation (null when not a finite number). */
  value: number | null;
  /** The threshold crossed (the exit threshold for `resolved`; null for detectors). */
  threshold: number | null;
  reference: AlertWindow | null;
  current: AlertWindow;
  /** Event time of the evaluation that raised it (epoch ms). */
  eventTime: number;
}

const SEVERITY = { warning: 'warning', drift: 'critical', resolved: 'info' } as const;

/** The deterministic id: the first 128 bits of SHA-256 over the identifying fields. */
export function alertId(
  pipeline: string,
  feature: string,
  measure: string,
  windowStart: number,
  state: AlertState,
): string {
  return createHash('sha256')
    .update(JSON.stringify([pipeline, feature, measure, windowStart, state]))
    .digest('hex')
    .slice(0, 32);
}

/** Builds an alert with its id and severity; the field order is fixed (bodies are signed bytes). */
export function makeAlert(a: Omit<Alert, 'id' | 'severity'>): Alert {
  return {
    id: alertId(a.pipeline, a.feature, a.measure, a.current.start, a.state),
    pipeline: a.pipeline,
    kind: a.kind,
    feature: a.feature,
    measure: a.measure,
    state: a.state,
    severity: SEVERITY[a.state],
    value: a.value !== null && Number.isFinite(a.value) ? a.value : null,
    threshold: a.threshold,
    reference: a.reference,
    current: a.current,
    eventTime: a.eventTime,
  };
}

/** An alert as a row of the `alerts` table. */
export function alertRow(alert: Alert): Row {
  return {
    id: alert.id,
    pipeline: alert.pipeline,
    feature: alert.feature,
    measure: alert.measure,
    state: alert.state,
    severity: alert.severity,
    value: alert.value,
    threshold: alert.threshold,
    eventTime: alert.eventTime,
    version: 0,
    alert: JSON.stringify(alert),
  };
}
