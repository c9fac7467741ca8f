/**
 * Streaming change detectors: fed one value per event, they say whether the stream's distribution
 * just changed. Semantics follow River: after a detection, the next `update` starts afresh.
 */

/** A JSON value, as detector state is written into checkpoints. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What `toJSON()` returns: enough to rebuild the detector, options and running state included. */
export interface DetectorState {
  detector: string;
  options: { [key: string]: Json };
  state: { [key: string]: Json };
}

/** A streaming drift detector (River's `DriftDetector`). */
export interface DriftDetector {
  /** Registry name, e.g. `adwin`. */
  readonly name: string;
  /** Whether the last `update` detected a change. */
  readonly driftDetected: boolean;
  /** Adds one value; returns `this` so calls chain. Never allocates on the hot path. */
  update(x: number): this;
  /** Back to the state of a newly built detector with the same options. */
  reset(): void;
  /** The full state; `fromJSON` of the same class (or the registry's `restore`) continues identically. */
  toJSON(): DetectorState;
}

/** A detector that also signals a warning zone before drift (River's `DriftAndWarningDetector`). */
export interface WarningDetector extends DriftDetector {
  readonly warningDetected: boolean;
}

/** Throws unless `state` was written by the detector named `name`. */
export function checkState(state: DetectorState, name: string): void {
  if (state.detector !== name) throw new TypeError(`state of '${state.detector}' given to '${name}'`);
}

/** JSON has no ±Infinity: such numbers travel as strings in detector state. */
export function encodeNumber(x: number): Json {
  return Number.isFinite(x) ? x : String(x);
}

/** Inverse of {@link encodeNumber}. */
export function decodeNumber(x: Json | undefined): number {
  return typeof x === 'string' ? Number(x) : (x as number);
}
