import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import type { Features, Label } from '../../src/online/model.js';
import { LinearRegression, LogisticRegression, modelFromState } from '../../src/online/models/index.js';
import type { SparseModel } from '../../src/online/models/index.js';
import { FeatureHasher, murmur3 } from '../../src/online/preprocessing/index.js';
import { murmur3Pair } from '../../src/online/preprocessing/feature-hasher.js';
import { ModelBundle } from '../../src/online/learner/index.js';
import { HASHED, REGRESSION, events, learnerConfig } from './learner/helpers.js';

/** Random categorical rows over few buckets (so collisions within a row happen), some numbers. */
function rows(n: number, seed: number): Record<string, string | number | boolean | null>[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => ({
    a: `v${rng.int(30)}`,
    b: rng.next() < 0.2 ? null : `w${rng.int(5)}`,
    c: rng.next() < 0.5,
    d: round(rng.gaussian()),
    e: `z${rng.int(1000)}`,
  }));
}
const round = (x: number): number => Math.round(x * 1e6) / 1e6;

describe('FeatureHasher.transformSparse', () => {
  it('gives transformOne’s entries, in its key order, with its sums (collisions included)', () => {
    for (const nFeatures of [4, 64, 2 ** 20]) {
      const h = new FeatureHasher({ nFeatures, seed: 7 });
      const idx = new Int32Array(8);
      const vals = new Float64Array(8);
      for (const x of rows(500, nFeatures)) {
        const n = h.transformSparse(x, idx, vals, 1);
        const dict = h.transformOne(x);
        const sparse = Array.from({ length: n - 1 }, (_, k) => [`#${idx[k + 1]}`, vals[k + 1]]);
        expect(sparse).toEqual(Object.entries(dict));
      }
    }
  });

  it('hashes name=value in place exactly as murmur3 of the joined string', () => {
    for (const [name, value] of [
      ['', ''],
      ['a', ''],
      ['', 'b'],
      ['color', 'red'],
      ['héllo', 'wörld'],
      ['ab', 'cd'],
    ])
      for (const seed of [0, 3, 4294967295])
        expect(murmur3Pair(name!, value!, seed)).toBe(murmur3(`${name}=${value}`, seed));
  });
});

describe('FeatureHasher.forFields', () => {
  it('gives transformSparse’s entries of the fields as strings: same order, sums, signs and buckets', () => {
    const rng = new Random(5);
    // names of odd and even length (the `=` then starts or ends a block), one repeated
    const names = ['a', 'bb', 'ccc', 'dddd', 'ünï', 'a'];
    const pick = (): string | number | boolean | null | undefined => {
      const r = rng.next();
      if (r < 0.1) return null;
      if (r < 0.15) return undefined;
      if (r < 0.25) return rng.next() < 0.5;
      if (r < 0.35) return rng.int(7) - 3;
      if (r < 0.4) return '';
      return 'x'.repeat(rng.int(4)) + String.fromCharCode(97 + rng.int(3), 0xe9 + rng.int(2));
    };
    for (const [nFeatures, seed, alternateSign] of [
      [4, 0, true],
      [1000, 4294967295, true],
      [2 ** 18, 3, false],
      [2 ** 31, 11, true],
    ] as const) {
      const hasher = new FeatureHasher({ nFeatures, seed, alternateSign });
      const fields = hasher.forFields(names);
      const idx = new Int32Array(8);
      const vals = new Float64Array(8);
      const want = new Int32Array(8);
      const wantVals = new Float64Array(8);
      for (let i = 0; i < 2_000; i++) {
        const event = Object.fromEntries(names.map((n) => [n, pick()]));
        const asStrings = Object.fromEntries(
          Object.entries(event).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, String(v)]])),
        );
        idx[0] = want[0] = 99; // entries before `start` are left alone
        const n = fields.transformSparse(event, idx, vals, 1);
        expect(n).toBe(hasher.transformSparse(asStrings, want, wantVals, 1));
        expect([...idx.subarray(0, n)]).toEqual([...want.subarray(0, n)]);
        expect([...vals.subarray(1, n)]).toEqual([...wantVals.subarray(1, n)]);
      }
    }
  });
});

describe('sparse path of linear models', () => {
  const cases: [
    string,
    () => SparseModel<Label | number> & { learnOne(x: Features, y: never): void },
    (i: number) => Label | number,
  ][] = [
    [
      'logistic-regression',
      () => new LogisticRegression({ optimizer: { type: 'adam' } }) as never,
      (i) => i % 3 === 0,
    ],
    ['linear-regression l1', () => new LinearRegression({ l1: 0.001 }) as never, (i) => (i % 7) - 3],
  ];
  for (const [name, make, label] of cases) {
    it(`${name}: learnSparse/predictSparse are bit-identical to learnOne/predictOne, state included`, () => {
      const h = new FeatureHasher({ nFeatures: 64 });
      const dict = make();
      const sparse = make();
      const size = 64;
      sparse.setSparseLayout(size, '#', ['n1']);
      const idx = new Int32Array(8);
      const vals = new Float64Array(8);
      let model = sparse;
      rows(2_000, 3).forEach((r, i) => {
        const { d, ...cats } = r;
        idx[0] = size; // the named feature n1
        vals[0] = d as number;
        const n = h.transformSparse(cats, idx, vals, 1);
        const x = { n1: d as number, ...h.transformOne(cats) };
        const m = model as unknown as { predictSparse: SparseModel['predictSparse'] };
        const predicted = m.predictSparse(idx, vals, n);
        const expected = name.startsWith('logistic')
          ? (dict as unknown as LogisticRegression).predictProbaOne(x).true
          : (dict as unknown as LinearRegression).predictOne(x);
        expect(predicted).toBe(expected);
        dict.learnOne(x, label(i) as never);
        model.learnSparse(idx, vals, n, label(i));
        if (i === 700) {
          // restored state, then some dict learning in between: slots stay in sync
          model = modelFromState(
            JSON.parse(JSON.stringify((model as never as LogisticRegression).toState())),
          ) as never;
          model.setSparseLayout(size, '#', ['n1']);
        }
        if (i % 500 === 250) {
          const extra = { n1: 0.5, '#63': 1, '#2': -1 };
          dict.learnOne(extra, label(i) as never);
          (model as unknown as { learnOne(x: Features, y: unknown): void }).learnOne(extra, label(i));
        }
      });
      const state = (m: unknown) => JSON.stringify((m as LogisticRegression).toState());
      expect(state(model)).toBe(state(dict));
    });
  }

  it('rejects an index outside its layout, and use before setSparseLayout', () => {
    const m = new LogisticRegression();
    expect(() => m.predictSparse(new Int32Array([0]), new Float64Array([1]), 1)).toThrow(/setSparseLayout/);
    m.setSparseLayout(4, '#');
    expect(() => m.learnSparse(new Int32Array([4]), new Float64Array([1]), 1, true)).toThrow(/outside/);
  });
});

/** Learner configs whose bundle takes the sparse path: numeric + hashed, hashed only, regression. */
const hashedConfigs = [
  learnerConfig(HASHED).learner!,
  learnerConfig({ ...HASHED, features: { categorical: ['user', 'region', 'device'] } }).learner!,
  learnerConfig({ ...REGRESSION, categorical: { type: 'feature-hasher', nFeatures: 256 } }).learner!,
];

describe('the learner bundle with hashed features', () => {
  it('takes the sparse path, equal to the dict path prediction by prediction, state included', () => {
    for (const cfg of hashedConfigs) {
      const bundle = ModelBundle.create(cfg);
      expect(bundle.sparse).not.toBeNull();
      const ref = ModelBundle.create(cfg); // the dict path, by hand
      for (const e of events(2_000)) {
        if (e.label === null) continue;
        const x = ref.features(e, false);
        expect(bundle.predict(e)).toEqual(ref.predictFeatures(x));
        const y = e[cfg.label] as Label;
        bundle.sparse!.learnSparse(bundle.sparseIdx, bundle.sparseVals, bundle.fillSparse(e), y);
        ref.model.learnOne(x, y);
      }
      expect(JSON.stringify(bundle.toState())).toBe(JSON.stringify(ref.toState()));
    }
  });
});
