import { describe, expect, it } from 'vitest';
import { topk, type TopKEntry } from '../../../src/windows/aggregators/topk.js';
import { mulberry32, zipf } from './prng.js';

const DRAWS = 1_000_000;
const ITEMS = 100_000;

describe('topk (Space-Saving)', () => {
  const draw = zipf(mulberry32(42), ITEMS, 1.1);
  const data = new Int32Array(DRAWS);
  const truth = new Int32Array(ITEMS + 1);
  for (let i = 0; i < DRAWS; i++) truth[(data[i] = draw())]!++;
  const exactTop = Array.from(truth.keys())
    .filter((item) => truth[item]! > 0)
    .sort((a, b) => truth[b]! - truth[a]! || a - b)
    .slice(0, 10);

  const checkTop10 = (entries: TopKEntry[]): void => {
    expect(entries.map((e) => e.value)).toEqual(exactTop);
    for (const e of entries) {
      // Space-Saving's guarantee: the true count lies in [count − error, count].
      expect(truth[e.value as number]!).toBeLessThanOrEqual(e.count);
      expect(truth[e.value as number]!).toBeGreaterThanOrEqual(e.count - e.error);
    }
  };

  it('finds the exact top 10, in order, of 1M Zipf(1.1) draws over 100k items', () => {
    const agg = topk({ k: 10 });
    let s = agg.create();
    for (let i = 0; i < DRAWS; i++) s = agg.add(s, data[i]!);
    checkTop10(JSON.parse(agg.result(s)) as TopKEntry[]);
  });

  it('keeps the exact top 10 when sketches of splits are merged', () => {
    const agg = topk({ k: 10 });
    const rand = mulberry32(5);
    const parts = Array.from({ length: 4 }, () => agg.create());
    for (let i = 0; i < DRAWS; i++) {
      const p = Math.floor(rand() * parts.length);
      parts[p] = agg.add(parts[p]!, data[i]!);
    }
    const [a, b, c, d] = parts;
    const merged = agg.merge(agg.merge(a!, b!), agg.merge(c!, d!));
    checkTop10(JSON.parse(agg.result(merged)) as TopKEntry[]);
  });

  it('gives the documented example, ranks ties by value, and "[]" when empty', () => {
    const agg = topk({ k: 2 });
    expect(agg.result(['a', 'b', 'a', 'c', 'b', 'a'].reduce(agg.add, agg.create()))).toBe(
      '[{"value":"a","count":3,"error":0},{"value":"b","count":2,"error":0}]',
    );
    expect(JSON.parse(agg.result(['z', 'y', 3, true].reduce(agg.add, agg.create())))).toEqual([
      { value: true, count: 1, error: 0 },
      { value: 3, count: 1, error: 0 },
    ]);
    expect(agg.result(agg.create())).toBe('[]');
  });

  it('bounds unmonitored items by the floor after evictions and merges', () => {
    const agg = topk({ k: 1 }); // 100 counters
    // The first 100 items fill the counters at 1; the next 50 each evict a 1 and start at 2.
    let s = agg.create();
    for (let i = 0; i < 150; i++) s = agg.add(s, i);
    expect(s.floor).toBe(1);
    const other = agg.add(agg.create(), 'x');
    // 'x' may have been among s's evicted items: its upper bound is 1 + s.floor.
    const merged = agg.merge(other, s);
    const rows = (agg.toJSON(merged) as { e: [unknown, number, number][] }).e;
    expect(rows.find((row) => row[0] === 'x')).toEqual(['x', 2, 1]);
    // 101 items for 100 counters: the cut-off item's bound (1) is the new floor.
    expect(merged.size).toBe(100);
    expect(merged.floor).toBe(1);
  });

  it('rejects a k that is not a positive integer', () => {
    for (const k of [0, -1, 2.5]) expect(() => topk({ k })).toThrow(/option "k"/);
  });
});
