import { describe, expect, it } from 'vitest';
import { LogisticRegression } from '../../src/online/models/index.js';
import { ClassifierPipeline } from '../../src/online/pipeline.js';
import {
  FeatureHasher,
  OneHotEncoder,
  OTHER_CATEGORY,
  StandardScaler,
  createTransformer,
  murmur3,
  transformerFromState,
} from '../../src/online/preprocessing/index.js';

describe('murmur3', () => {
  // Reference: sklearn.utils.murmurhash3_32(s.encode('utf-16-le'), seed, positive=True).
  it.each([
    ['', 0, 0],
    ['a', 0, 1867108634],
    ['ab', 0, 374890698],
    ['abc', 1, 2934356416],
    ['color=red', 0, 4185990386],
    ['héllo wörld', 42, 1895816072],
    ['x', 4294967295, 4036218325],
  ])('hash(%j, seed %i) = %i', (s, seed, expected) => {
    expect(murmur3(s, seed)).toBe(expected);
  });
});

describe('FeatureHasher', () => {
  it('hashes categorical name=value to ±1 and numeric names to ±value, within nFeatures buckets', () => {
    const h = new FeatureHasher({ nFeatures: 1000, seed: 3 });
    const out = h.transformOne({ color: 'red', size: 2.5, flag: true, gone: null });
    const hc = murmur3('color=red', 3);
    const hs = murmur3('size', 3);
    const sign = (x: number) => (x >= 0x80000000 ? -1 : 1);
    const expected: Record<string, number> = {};
    const add = (k: number, v: number) => (expected[`#${k % 1000}`] = (expected[`#${k % 1000}`] ?? 0) + v);
    add(hc, sign(hc));
    add(hs, 2.5 * sign(hs));
    add(murmur3('flag=true', 3), sign(murmur3('flag=true', 3)));
    expect(out).toEqual(expected);
    for (const k of Object.keys(out)) expect(Number(k.slice(1))).toBeLessThan(1000);
    // keys keep the order the features came in (integer-like keys would be sorted by V8)
    expect(Object.keys(out)).toEqual([
      `#${hc % 1000}`,
      `#${hs % 1000}`,
      `#${murmur3('flag=true', 3) % 1000}`,
    ]);
  });

  it('without alternateSign every value is positive; the seed changes buckets', () => {
    const a = new FeatureHasher({ alternateSign: false }).transformOne({ a: 'x', b: 'y', c: 'z' });
    expect(Object.values(a).every((v) => v > 0)).toBe(true);
    const b = new FeatureHasher({ alternateSign: false, seed: 9 }).transformOne({ a: 'x', b: 'y', c: 'z' });
    expect(Object.keys(a)).not.toEqual(Object.keys(b));
  });
});

describe('OneHotEncoder', () => {
  it('encodes strings and booleans as name_value, passes numbers, drops null', () => {
    expect(new OneHotEncoder().transformOne({ city: 'Paris', ok: false, n: 3, z: null })).toEqual({
      city_Paris: 1,
      ok_false: 1,
      n: 3,
    });
  });
});

describe('OneHotEncoder with maxCategories', () => {
  it('admits the first values of each field; later ones share one other feature', () => {
    const e = new OneHotEncoder({ maxCategories: 2 });
    for (const city of ['Paris', 'Oslo', 'Rome', 'Paris']) e.learnOne({ city, ok: true });
    expect(e.fullFields).toEqual(['city']);
    expect(e.transformOne({ city: 'Oslo', ok: true })).toEqual({ city_Oslo: 1, ok_true: 1 });
    expect(e.transformOne({ city: 'Rome' })).toEqual({ [`city_${OTHER_CATEGORY}`]: 1 });
    expect(e.transformOne({ city: 'Lima' })).toEqual({ [`city_${OTHER_CATEGORY}`]: 1 });
    // a field below the limit keeps River's encoding, unseen values included
    expect(e.transformOne({ ok: false })).toEqual({ ok_false: 1 });
  });

  it('keeps its admitted values through a state round trip', () => {
    const e = new OneHotEncoder({ maxCategories: 2 });
    for (const city of ['Paris', 'Oslo', 'Rome']) e.learnOne({ city });
    const back = OneHotEncoder.fromState(JSON.parse(JSON.stringify(e.toState())));
    for (const city of ['Paris', 'Oslo', 'Rome', 'Lima'])
      expect(back.transformOne({ city })).toEqual(e.transformOne({ city }));
    expect(back.options.maxCategories).toBe(2);
    expect(new OneHotEncoder().options.maxCategories).toBe(10_000);
  });
});

describe('StandardScaler', () => {
  it('keeps running mean and population variance; zero variance maps to 0', () => {
    const s = new StandardScaler();
    s.learnOne({ a: 1, b: 5 });
    expect(s.transformOne({ a: 1, b: 5 })).toEqual({ a: 0, b: 0 });
    s.learnOne({ a: 3, b: 5 });
    // mean 2, var 1
    expect(s.transformOne({ a: 4, b: 7, c: 1 })).toEqual({ a: 2, b: 0, c: 0 });
  });

  it('withStd: false only centres', () => {
    const s = new StandardScaler({ withStd: false });
    s.learnOne({ a: 1 });
    s.learnOne({ a: 3 });
    expect(s.transformOne({ a: 4 })).toEqual({ a: 2 });
  });

  it('round-trips its state through JSON', () => {
    const s = createTransformer({ type: 'standard-scaler' });
    for (let i = 0; i < 10; i++) s.learnOne({ a: i, b: i * i });
    const r = transformerFromState(JSON.parse(JSON.stringify(s.toState())));
    expect(r.transformOne({ a: 3, b: 2 })).toEqual(s.transformOne({ a: 3, b: 2 }));
  });
});

describe('Pipeline', () => {
  it('updates the scaler before transforming in learnOne, not in predict', () => {
    const p = new ClassifierPipeline(
      [new StandardScaler()],
      new LogisticRegression({ optimizer: { type: 'sgd', lr: 1 }, interceptLr: 0 }),
    );
    p.learnOne({ a: 10 }, true);
    // The scaler had seen a=10 before transforming it: variance 0 → the model saw a=0, so no weight change.
    expect((p.model as LogisticRegression).weights).toEqual({ a: 0 });
    const before = JSON.stringify(p.toState());
    p.predictProbaOne({ a: 50 });
    expect(JSON.stringify(p.toState())).toBe(before);
  });
});
