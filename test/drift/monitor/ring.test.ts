import { describe, expect, it } from 'vitest';
import { WindowRing } from '../../../src/drift/monitor/ring.js';

describe('WindowRing.slide (count window)', () => {
  it('grows to capacity, then overwrites the oldest entry, keeping the counts per bin in step', () => {
    const ring = new WindowRing(3, false);
    const counts = new Float64Array(4);
    const grew: boolean[] = [];
    const entries = [
      [1.5, 0, 10],
      [2.5, 1, 11],
      [3.5, 1, 12],
      [4.5, 3, 13], // evicts bin 0
      [5.5, 2, 14], // evicts bin 1
    ] as const;
    for (const [v, b, t] of entries) grew.push(ring.slide(v, b, t, counts));
    expect(grew).toEqual([true, true, true, false, false]);
    expect(ring.length).toBe(3);
    expect([...counts]).toEqual([0, 1, 1, 1]);
    const seen: [number, number, number][] = [];
    ring.forEach((v, b, t) => seen.push([v, b, t]));
    expect(seen).toEqual([
      [3.5, 1, 12],
      [4.5, 3, 13],
      [5.5, 2, 14],
    ]);
    expect(ring.oldestTime).toBe(12);
    expect(ring.newestTime).toBe(14);
    expect([...ring.copyValues()]).toEqual([3.5, 4.5, 5.5]);
  });

  it('matches a recount of the last `capacity` entries over a long run', () => {
    const cap = 7;
    const ring = new WindowRing(cap, false);
    const counts = new Float64Array(5);
    const bins: number[] = [];
    for (let i = 0; i < 200; i++) {
      const b = (i * 7 + (i >> 3)) % 5;
      bins.push(b);
      ring.slide(i, b, 1000 + i, counts);
      const expected = new Float64Array(5);
      for (const x of bins.slice(-cap)) expected[x]! += 1;
      expect([...counts]).toEqual([...expected]);
    }
    expect(ring.oldestTime).toBe(1000 + 200 - cap);
  });
});
