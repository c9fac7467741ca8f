import { describe, expect, it } from 'vitest';
import {
  hasMergedResult,
  type Aggregator,
  type AggregatorOptions,
  type Json,
} from '../../../src/windows/aggregator.js';
import { AGGREGATORS, isTimedAggregator, type Value } from '../../../src/windows/aggregators/index.js';
import { mulberry32 } from './prng.js';

// The contract every registered aggregate must meet (src/windows/aggregator.ts), checked by looping
// over the registry: a new aggregate is tested the moment it is registered.

/** Option sets checked besides the defaults, where options change the state's shape. */
const VARIANTS: Record<string, AggregatorOptions[]> = {
  quantile: [{ q: 0.9 }, { q: 0.01, accuracy: 0.05 }],
  distinct: [{ accuracy: 4 }],
  topk: [{ k: 3 }],
};

/**
 * Relative tolerance where merging reorders floating-point additions. Everything else must match
 * exactly — the sketches here merge exactly (bucket counts add, registers max, and the test stream
 * has fewer distinct values than topk's counters). An aggregate whose merge is approximate
 * declares its tolerance here.
 */
const TOLERANCE: Record<string, number> = { sum: 1e-9, mean: 1e-9, variance: 1e-9, stddev: 1e-9 };

interface Sample {
  v: Value;
  ts: number;
}

/**
 * A mixed stream: mostly numbers from a small set (with a few large ones to stress rounding),
 * some strings and booleans; event times out of order with ties, to exercise first/last.
 * 78 distinct values in all.
 */
function stream(seed: number, n: number): Sample[] {
  const rand = mulberry32(seed);
  const big = [1e9, -3e9, 7.5e8, 123456789.25, -1e10];
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const v =
      r < 0.7
        ? (Math.floor(rand() * 61) - 20) / 2
        : r < 0.75
          ? big[Math.floor(rand() * big.length)]!
          : r < 0.92
            ? `k${Math.floor(rand() * 10)}`
            : rand() < 0.5;
    out.push({ v, ts: 1_000 + Math.floor(rand() * (n / 4)) });
  }
  return out;
}

/** Random cut points: `parts` slices, some possibly empty. */
function split<T>(items: T[], parts: number, rand: () => number): T[][] {
  const cuts = Array.from({ length: parts - 1 }, () => Math.floor(rand() * (items.length + 1))).sort(
    (a, b) => a - b,
  );
  const out: T[][] = [];
  let from = 0;
  for (const cut of [...cuts, items.length]) {
    out.push(items.slice(from, cut));
    from = cut;
  }
  return out;
}

const roundTrip = (json: Json): Json => JSON.parse(JSON.stringify(json)) as Json;

for (const [name, factory] of Object.entries(AGGREGATORS)) {
  for (const options of [{}, ...(VARIANTS[name] ?? [])]) {
    describe(`${name} ${JSON.stringify(options)}`, () => {
      const agg: Aggregator<unknown, unknown> = factory(options);
      const feed = (state: unknown, samples: Sample[]): unknown => {
        for (const { v, ts } of samples)
          state = isTimedAggregator(agg) ? agg.addAt(state, v, ts) : agg.add(state, v);
        return state;
      };
      const build = (samples: Sample[]): unknown => feed(agg.create(), samples);
      const result = (state: unknown): unknown => agg.result(state);
      const expectClose = (actual: unknown, expected: unknown): void => {
        const tol = TOLERANCE[name];
        if (tol !== undefined && typeof actual === 'number' && typeof expected === 'number') {
          expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
        } else {
          expect(actual).toEqual(expected);
        }
      };
      const data = stream(name.length * 7919 + 1, 3_000);

      it('declares its registry name, result type and field need', () => {
        expect(agg.fn).toBe(name);
        expect(['float64', 'int64', 'string', 'bool', 'json']).toContain(agg.resultType);
        expect(agg.input === 'none').toBe(name === 'count');
      });

      it('has a defined, serialisable result for an empty window', () => {
        const empty = agg.create();
        const r = result(empty);
        expect(r).not.toBeUndefined();
        expect(JSON.parse(JSON.stringify(r)) as unknown).toEqual(r);
        expect(result(agg.fromJSON(roundTrip(agg.toJSON(empty))))).toEqual(r);
      });

      it('treats merging with an empty state as the identity, on either side', () => {
        const expected = result(build(data));
        expect(result(agg.merge(build(data), agg.create()))).toEqual(expected);
        expect(result(agg.merge(agg.create(), build(data)))).toEqual(expected);
      });

      it('merges associatively and commutatively', () => {
        const [a, b, c] = split(data, 3, mulberry32(3));
        const left = agg.merge(agg.merge(build(a!), build(b!)), build(c!));
        const right = agg.merge(build(a!), agg.merge(build(b!), build(c!)));
        const swapped = agg.merge(agg.merge(build(c!), build(a!)), build(b!));
        expectClose(result(right), result(left));
        expectClose(result(swapped), result(left));
      });

      it('does not mutate the second argument of merge', () => {
        const [a, b, more] = split(data, 3, mulberry32(4));
        const second = build(b!);
        const before = JSON.stringify(agg.toJSON(second));
        agg.merge(build(a!), second);
        expect(JSON.stringify(agg.toJSON(second))).toBe(before);
        // Nothing shared either: the merged-from state keeps behaving as its own.
        expect(result(feed(second, more!))).toEqual(result(build([...b!, ...more!])));
      });

      it('round-trips through JSON with the same result and the same further behaviour', () => {
        for (const seed of [5, 6, 7]) {
          const [head, tail] = split(data, 2, mulberry32(seed));
          const original = build(head!);
          const restored = agg.fromJSON(roundTrip(agg.toJSON(original)));
          expect(result(restored)).toEqual(result(original));
          expect(agg.toJSON(restored)).toEqual(agg.toJSON(original));
          const continued = feed(original, tail!);
          const resumed = feed(restored, tail!);
          expect(result(resumed)).toEqual(result(continued));
          expect(agg.toJSON(resumed)).toEqual(agg.toJSON(continued));
        }
      });

      // Optional ability (hopping windows read their panes with it): exactly the merged result.
      if (hasMergedResult(agg)) {
        it('reads a merge of states in place: the result of merging them, bit for bit, none mutated', () => {
          const rand = mulberry32(9);
          for (let trial = 0; trial < 12; trial++) {
            const parts = split(data, 1 + Math.floor(rand() * 6), rand).map(build);
            const before = parts.map((s) => JSON.stringify(agg.toJSON(s)));
            const merged = parts.reduce((acc, s) => agg.merge(acc, s), agg.create());
            expect(agg.mergedResult(parts, parts.length)).toBe(result(merged));
            expect(agg.mergedResult(parts, 1)).toBe(result(agg.merge(agg.create(), parts[0]!)));
            expect(parts.map((s) => JSON.stringify(agg.toJSON(s)))).toEqual(before);
          }
          expect(agg.mergedResult([], 0)).toBe(result(agg.create()));
        });
      }

      it('gives the same result for any split of the stream, merged', () => {
        const expected = result(build(data));
        const rand = mulberry32(8);
        for (let trial = 0; trial < 10; trial++) {
          const parts = split(data, 1 + Math.floor(rand() * 8), rand).map(build);
          expectClose(result(parts.reduce((acc, s) => agg.merge(acc, s))), expected);
          const fresh = split(data, 2 + Math.floor(rand() * 8), rand).map(build);
          expectClose(result(fresh.reduceRight((acc, s) => agg.merge(acc, s))), expected);
        }
      });
    });
  }
}
