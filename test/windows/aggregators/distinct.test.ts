import { describe, expect, it } from 'vitest';
import { distinct } from '../../../src/windows/aggregators/distinct.js';
import { mulberry32 } from './prng.js';

const relativeError = (estimate: number, truth: number): number => Math.abs(estimate - truth) / truth;

describe('distinct (HyperLogLog)', () => {
  const agg = distinct();

  for (const n of [1_000, 10_000, 30_000, 100_000]) {
    it(`estimates ${n} distinct strings within 2%, duplicates included`, () => {
      let s = agg.create();
      for (let rep = 0; rep < 2; rep++) for (let i = 0; i < n; i++) s = agg.add(s, `user-${i}`);
      expect(relativeError(agg.result(s), n)).toBeLessThan(0.02);
    });
  }

  it('estimates 1M distinct numbers within 2%, and merged splits equal the single sketch', () => {
    const n = 1_000_000;
    const rand = mulberry32(21);
    let whole = agg.create();
    const parts = [agg.create(), agg.create(), agg.create()];
    for (let i = 0; i < n; i++) {
      const v = i * 0.5 - 1_000; // integers and halves, negatives too
      whole = agg.add(whole, v);
      const p = Math.floor(rand() * parts.length);
      parts[p] = agg.add(parts[p]!, v);
    }
    expect(relativeError(agg.result(whole), n)).toBeLessThan(0.02);
    const merged = parts.reduce((a, b) => agg.merge(a, b));
    expect(merged.registers).toEqual(whole.registers);
    expect(agg.result(merged)).toBe(agg.result(whole));
  });

  it('is unbiased across the small/large-range transition (mean error over 30 sketches, p = 10)', () => {
    // Where linear counting hands over to the harmonic mean, naive HLL is biased by several %.
    const small = distinct({ accuracy: 10 });
    for (const n of [100, 1_000, 2_500, 5_000, 20_000]) {
      let sumError = 0;
      let sumSquared = 0;
      for (let seed = 0; seed < 30; seed++) {
        let s = small.create();
        for (let i = 0; i < n; i++) s = small.add(s, `${seed}:${i}`);
        const e = (small.result(s) - n) / n;
        sumError += e;
        sumSquared += e * e;
      }
      expect(Math.abs(sumError / 30), `bias at n=${n}`).toBeLessThan(0.015);
      // 1.04/√1024 ≈ 3.3%; allow sampling noise over 30 trials.
      expect(Math.sqrt(sumSquared / 30), `rms error at n=${n}`).toBeLessThan(0.05);
    }
  });

  it('counts values by type and value: 0 and -0 alike, booleans apart from numbers', () => {
    let s = agg.create();
    for (const v of [0, -0, 1, true, false, '1', 'a', 'a', NaN, NaN]) s = agg.add(s, v);
    expect(agg.result(s)).toBe(7); // 0, 1, true, false, '1', 'a', NaN
  });

  it('gives the documented example and 0 when empty', () => {
    expect(agg.result(['a', 'b', 'a', 'c'].reduce(agg.add, agg.create()))).toBe(3);
    expect(agg.result(agg.create())).toBe(0);
  });

  it('serialises small sketches sparse and large ones as dense registers, and rejects a mismatched precision', () => {
    const small = agg.add(agg.create(), 'x');
    const sparse = agg.toJSON(small) as { p: number; s: string };
    expect(sparse.p).toBe(14);
    expect(Buffer.from(sparse.s, 'base64')).toHaveLength(4); // one register: a checkpoint of many groups stays small
    expect(agg.result(agg.fromJSON(JSON.parse(JSON.stringify(sparse))))).toBe(1);
    let big = agg.create();
    for (let i = 0; i < 50_000; i++) big = agg.add(big, `v${i}`);
    const dense = agg.toJSON(big) as { p: number; r: string };
    expect(Buffer.from(dense.r, 'base64')).toHaveLength(1 << 14);
    expect(agg.result(agg.fromJSON(dense))).toBe(agg.result(big));
    expect(() => distinct({ accuracy: 12 }).fromJSON(sparse)).toThrow(/precision/);
    expect(() => agg.fromJSON({ p: 14, s: Buffer.from([1, 2, 3]).toString('base64') })).toThrow(/32-bit/);
  });

  it('rejects a precision outside 4..18', () => {
    for (const accuracy of [3, 19, 10.5]) expect(() => distinct({ accuracy })).toThrow(/option "accuracy"/);
  });
});
