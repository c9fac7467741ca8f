import { StreamlearnError } from '../../core/errors.js';
import type { Json } from '../aggregator.js';

/** A non-null field value, as `Aggregator.add` receives it. */
export type Value = number | string | boolean;

/**
 * Encodes a float for a checkpoint. JSON has no NaN or ±Infinity and `JSON.stringify` would
 * silently turn them into `null`, so they are written as `{ f: 'NaN' }` and friends.
 */
export function encodeFloat(x: number): Json {
  return Number.isFinite(x) ? x : { f: String(x) };
}

/** Inverse of {@link encodeFloat}; throws on anything else so a corrupt checkpoint fails loudly. */
export function decodeFloat(json: Json | undefined): number {
  if (typeof json === 'number') return json;
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const f = json.f;
    if (f === 'NaN' || f === 'Infinity' || f === '-Infinity') return Number(f);
  }
  throw badState(`expected a number, got ${JSON.stringify(json)}`);
}

/** Encodes a field value; strings and booleans are JSON already, numbers go through {@link encodeFloat}. */
export function encodeValue(v: Value): Json {
  return typeof v === 'number' ? encodeFloat(v) : v;
}

/** Inverse of {@link encodeValue}. */
export function decodeValue(json: Json | undefined): Value {
  if (typeof json === 'string' || typeof json === 'boolean') return json;
  return decodeFloat(json);
}

const TYPE_RANK = { boolean: 0, number: 1, string: 2 } as const;

/**
 * A total order over field values (booleans < numbers < strings; NaN above every other number).
 * Aggregators use it to break ties, so that their results do not depend on arrival order —
 * which is what makes merges commutative and replays byte-identical.
 */
export function compareValues(a: Value, b: Value): number {
  const ta = typeof a as 'boolean' | 'number' | 'string';
  const tb = typeof b as 'boolean' | 'number' | 'string';
  if (ta !== tb) return TYPE_RANK[ta] - TYPE_RANK[tb];
  if (a === b) return 0;
  if (ta === 'number') {
    if (a !== a) return b !== b ? 0 : 1; // NaN sorts last, and equals itself
    if (b !== b) return -1;
  }
  return a < b ? -1 : 1;
}

/** The error for a checkpointed state that does not have the expected shape. */
export function badState(detail: string): StreamlearnError {
  return new StreamlearnError('SL_ERR_CHECKPOINT', `Invalid aggregator state in checkpoint: ${detail}`, {
    retriable: false,
  });
}

/** Reads a field of a checkpointed object state, failing loudly when the state is not an object. */
export function field(json: Json, name: string): Json | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw badState(`expected an object, got ${JSON.stringify(json)}`);
  }
  return json[name];
}

/** Reads a finite number from a checkpointed state. */
export function finiteField(json: Json, name: string): number {
  const v = field(json, name);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badState(`field "${name}" must be a finite number`);
  return v;
}

/** The error for bad aggregate options: configuration errors fail at start and name the field. */
export function badOption(fn: string, option: string, detail: string): StreamlearnError {
  return new StreamlearnError('SL_ERR_CONFIG', `Aggregate "${fn}": option "${option}" ${detail}`);
}
