import type { Event, FieldValue } from '../../core/event.js';

/**
 * Copies one event's monitored fields out: numeric fields into `numbers` (NaN where the value is
 * not a number), the others into `others`, each in the order given to {@link compileFieldReader}.
 */
export type FieldReader = (event: Event, numbers: Float64Array, others: (FieldValue | undefined)[]) => void;

/**
 * Compiles, once per monitor, a reader of fixed fields of an event.
 *
 * Why compiled: a loop over `event[name]` is one property-load site that sees every name, which
 * V8 treats as megamorphic (a stub-cache probe per field), and a generic load of a fractional
 * number allocates a fresh boxed copy of it. The compiled reader has one site per name, each
 * monomorphic for events of one shape (the decoder builds them all alike), and moves numbers into
 * a Float64Array unboxed: a field costs a load and a store, and the per-event path allocates
 * nothing. Each name is quoted with `JSON.stringify`, a valid JavaScript string literal for any
 * string, so no name can inject code, and reading it means exactly what `event[name]` means.
 */
export function compileFieldReader(numeric: readonly string[], others: readonly string[]): FieldReader {
  const body = [
    'let v;',
    ...numeric.map(
      (name, i) => `v = event[${JSON.stringify(name)}]; numbers[${i}] = typeof v === 'number' ? v : NaN;`,
    ),
    ...others.map((name, i) => `others[${i}] = event[${JSON.stringify(name)}];`),
  ].join('\n');
  return new Function('event', 'numbers', 'others', body) as FieldReader;
}
