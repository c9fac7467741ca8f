import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { RowBuckets, bucketOf } from '../../src/online/preprocessing/buckets.js';
import { FeatureHasher, murmur3Pair } from '../../src/online/preprocessing/feature-hasher.js';

/** The plain search `RowBuckets.positionOf` stands for. */
function search(indices: Int32Array, start: number, n: number, b: number): number {
  let k = start;
  while (k < n && indices[k] !== b) k++;
  return k;
}

describe('RowBuckets', () => {
  it('finds every repeat of a row and nothing of earlier rows, across the stamp wrap-around', () => {
    const rng = new Random(3);
    const written = new RowBuckets();
    // start near the last stamp so the wrap-around (the table cleared, stamps from 1) is crossed
    (written as unknown as { row: number }).row = 0x7fffffff - 5;
    const indices = new Int32Array(40);
    for (let row = 0; row < 200; row++) {
      written.next();
      let n = 2;
      for (let i = 0; i < 30; i++) {
        const b = rng.int(row % 2 === 0 ? 50 : 5000); // few buckets: many repeats and shared slots
        const k = written.positionOf(b, indices, 2, n);
        expect(k).toBe(search(indices, 2, n, b));
        if (k === n) indices[n++] = b;
      }
    }
  });
});

describe('FeatureHasher.forFields reads fields as `x[name]` does', () => {
  it('with names that need quoting, inherited properties and absent fields', () => {
    const names = ['a"b', 'c\\d', 'e\nf', '__proto__', 'constructor', 'toString', '1', 'absent', 'ünï'];
    const nFeatures = 2 ** 10;
    const fields = new FeatureHasher({ nFeatures, seed: 9 }).forFields(names);
    const event: Record<string, unknown> = { 'a"b': 'x', 'c\\d': true, 'e\nf': 3, toString: null, 1: 'one' };
    event['ünï'] = 'ü';
    const idx = new Int32Array(names.length);
    const vals = new Float64Array(names.length);
    const n = fields.transformSparse(event, idx, vals);
    const want: [number, number][] = [];
    for (const name of names) {
      const v = event[name];
      if (v === null || v === undefined) continue;
      const h = murmur3Pair(name, String(v), 9) | 0;
      const b = bucketOf(h, nFeatures, nFeatures - 1);
      const at = want.findIndex(([wb]) => wb === b);
      if (at >= 0) want[at]![1] += h < 0 ? -1 : 1;
      else want.push([b, h < 0 ? -1 : 1]);
    }
    expect(Array.from({ length: n }, (_, k) => [idx[k], vals[k]])).toEqual(want);
  });
});
