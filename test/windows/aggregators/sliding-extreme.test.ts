import { describe, expect, it } from 'vitest';
import { SlidingMax, SlidingMin } from '../../../src/windows/aggregators/sliding-extreme.js';
import { mulberry32 } from './prng.js';

describe('SlidingMax / SlidingMin', () => {
  for (const [label, maxCount, span] of [
    ['count-bounded', 37, Infinity],
    ['time-bounded', undefined, 50],
    ['count- and time-bounded', 20, 30],
  ] as const) {
    it(`match a brute force on random data (${label})`, () => {
      const rand = mulberry32(label.length);
      const hi = new SlidingMax({ maxCount });
      const lo = new SlidingMin({ maxCount });
      const seen: { v: number; ts: number }[] = [];
      let ts = 0;
      for (let i = 0; i < 5_000; i++) {
        ts += Math.floor(rand() * 4); // ties and gaps
        const v = Math.floor(rand() * 100) - 50; // duplicates
        hi.push(v, ts);
        lo.push(v, ts);
        seen.push({ v, ts });
        if (span !== Infinity) {
          hi.evictBefore(ts - span);
          lo.evictBefore(ts - span);
        }
        const window = seen
          .slice(maxCount === undefined ? 0 : Math.max(0, seen.length - maxCount))
          .filter((x) => x.ts >= ts - span);
        expect(hi.current()).toBe(Math.max(...window.map((x) => x.v)));
        expect(lo.current()).toBe(Math.min(...window.map((x) => x.v)));
        if (seen.length > 200) seen.splice(0, 100); // both bounds keep far fewer than 100 values
      }
    });
  }

  it('is empty after evicting everything or clearing, and refuses NaN and bad bounds', () => {
    const w = new SlidingMin();
    expect(w.current()).toBeNull();
    w.push(4, 10);
    w.push(7, 20);
    w.evictBefore(15);
    expect(w.current()).toBe(7);
    w.evictBefore(21);
    expect(w.current()).toBeNull();
    w.push(1, 30);
    w.clear();
    expect(w.current()).toBeNull();
    expect(() => w.push(NaN, 40)).toThrow(RangeError);
    expect(() => new SlidingMax({ maxCount: 0 })).toThrow(RangeError);
  });

  it('gives the documented example', () => {
    const w = new SlidingMax({ maxCount: 3 });
    for (const [v, t] of [
      [5, 1],
      [1, 2],
      [3, 3],
      [2, 4],
    ] as const)
      w.push(v, t);
    expect(w.current()).toBe(3);
  });
});
