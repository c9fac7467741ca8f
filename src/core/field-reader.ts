/*
 * Readers of fixed fields of events (the learner's features, the drift monitor's fields), compiled
 * once per field list: `x["a"]`, `x["b"]`, … as named loads, each with its own inline cache. Read
 * in a loop as `x[names[k]]`, every field shares one keyed load site, which goes megamorphic
 * (measured: the learner's hashed path ~20% slower, ~10 ns per field), and a generic load of a
 * fractional number into a plain array boxes it. The reads are the same property accesses, so
 * they see the same values (inherited ones included). Names are quoted with `JSON.stringify`, a
 * valid string literal for any string, so no name can inject code. Where code generation from
 * strings is disallowed, the loop is used.
 */

/** Copies the fields `names` of `x` into `out`, in order. */
export type FieldReader = (x: object, out: unknown[]) => void;

/** Copies the fields `names` of `x` into `out`, in order; a value that is not a number as NaN. */
export type NumberReader = (x: object, out: Float64Array) => void;

/** A {@link FieldReader} for `names`. */
export function fieldReader(names: readonly string[]): FieldReader {
  const fallback: FieldReader = (x, out) => {
    for (let k = 0; k < names.length; k++) out[k] = (x as Record<string, unknown>)[names[k]!];
  };
  return compile(names, (x, k) => `out[${k}] = ${x};`, fallback);
}

/**
 * A {@link NumberReader} for `names`: numbers go straight into the typed array (no heap number per
 * value, which a plain array of numbers read from an object would need).
 */
export function numberReader(names: readonly string[]): NumberReader {
  const fallback: NumberReader = (x, out) => {
    for (let k = 0; k < names.length; k++) {
      const v = (x as Record<string, unknown>)[names[k]!];
      out[k] = typeof v === 'number' ? v : Number.NaN;
    }
  };
  return compile(names, (x, k) => `v = ${x}; out[${k}] = typeof v === 'number' ? v : NaN;`, fallback);
}

/** `(x, out) => { let v; …line(x["name"], k)… }`, or `fallback` when `new Function` is refused. */
function compile<R>(names: readonly string[], line: (read: string, k: number) => string, fallback: R): R {
  const body = names.map((name, k) => line(`x[${JSON.stringify(name)}]`, k)).join('\n');
  try {
    return new Function('x', 'out', `let v;\n${body}`) as R;
  } catch {
    return fallback;
  }
}
