import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinLookup, upperBound } from '../../../src/drift/measures/histogram.js';

/**
 * The monitor's per-value bin lookup (a grid over the cut points) must give exactly what a
 * binary search gives — numpy's `searchsorted(cuts, x, side='right')` — for every value: on the
 * cuts themselves, one ulp either side, outside the range, for ties and for tightly clustered cuts.
 */

/** Sorted cut points: well spread, clustered, tied, tiny or huge in magnitude. */
const cuts: fc.Arbitrary<Float64Array> = fc
  .oneof(
    fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 40 }),
    fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 40 }),
    fc.array(fc.double({ min: -1e-300, max: 1e-300, noNaN: true }), { maxLength: 20 }),
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 20 }),
    // log-normal-like: most cuts packed near the low end, a few far out
    fc.array(fc.double({ min: 0, max: 12, noNaN: true }).map(Math.exp), { maxLength: 40 }),
  )
  .map((xs) => Float64Array.from(xs).sort());

/** Probe values: arbitrary ones, plus each cut and its neighbouring doubles. */
function probes(c: Float64Array, extra: number[]): number[] {
  const out = [...extra, -Infinity, Infinity, Number.NaN, 0, -0];
  for (const x of c) out.push(x, nextDown(x), nextUp(x));
  return out;
}

function nextUp(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return Number.MIN_VALUE;
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  i[0] = i[0]! + (x > 0 ? 1n : -1n);
  return b[0]!;
}

function nextDown(x: number): number {
  return -nextUp(-x);
}

describe('BinLookup', () => {
  it('equals the binary search for every value', () => {
    fc.assert(
      fc.property(cuts, fc.array(fc.double(), { maxLength: 60 }), (c, xs) => {
        const lookup = new BinLookup(c);
        expect(lookup.bins).toBe(c.length + 1);
        for (const x of probes(c, xs)) expect(lookup.index(x)).toBe(upperBound(c, x));
      }),
      { numRuns: 500 },
    );
  });

  it('on a fine sweep over the quantile cuts of a skewed sample', () => {
    // the 9 inner cuts of 10 quantile bins of exp(N(3, 0.8)), the generator's amounts
    const c = Float64Array.from([7.2, 10.2, 13.1, 16.4, 20.1, 24.6, 30.6, 39.5, 56.0]);
    const lookup = new BinLookup(c);
    for (let x = 0; x < 80; x += 0.01) expect(lookup.index(x)).toBe(upperBound(c, x));
  });
});
