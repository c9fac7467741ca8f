import { describe, expect, it } from 'vitest';
import type { Classifier, Features, Label, ModelState, OnlineModel } from '../../src/online/model.js';
import { isClassifier, isDenseModel } from '../../src/online/model.js';
import {
  MODELS,
  createModel,
  modelFromState,
  type ModelSpec,
  type ModelType,
} from '../../src/online/models/index.js';

// River's checks/common.py, for every registered model (plus a few option variants and a pipeline).

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Task = 'binary' | 'multiclass' | 'regression';
const FEATURES = ['a', 'b', 'c', 'd', 'e'];

function stream(task: Task, n = 200, seed = 1): { X: Features[]; y: Label[] } {
  const r = rng(seed);
  const X: Features[] = [];
  const y: Label[] = [];
  for (let i = 0; i < n; i++) {
    const x: Record<string, number> = {};
    // Non-negative counts-like values so MultinomialNB is valid too.
    for (const f of FEATURES) x[f] = Math.floor(r() * 5);
    const s = x.a! - x.b! + 0.5 * x.c! - 1 + r();
    X.push(x);
    y.push(
      task === 'binary'
        ? s > 0
        : task === 'multiclass'
          ? (['x', 'y', 'z'][Math.abs(Math.floor(s)) % 3] as string)
          : s * 2 + 1,
    );
  }
  return { X, y };
}

const cases: { name: string; spec: ModelSpec; task: Task }[] = [
  ...(Object.keys(MODELS) as ModelType[]).map((type) => ({
    name: type,
    spec: { type } as ModelSpec,
    task: MODELS[type].task as Task,
  })),
  {
    name: 'logistic-regression/adam+l2',
    spec: { type: 'logistic-regression', optimizer: { type: 'adam' }, l2: 0.01 },
    task: 'binary',
  },
  {
    name: 'logistic-regression/ftrl',
    spec: { type: 'logistic-regression', optimizer: { type: 'ftrl' } },
    task: 'binary',
  },
  {
    name: 'logistic-regression/adagrad+l1',
    spec: { type: 'logistic-regression', optimizer: { type: 'adagrad' }, l1: 0.01 },
    task: 'binary',
  },
  {
    name: 'softmax-regression/adam',
    spec: { type: 'softmax-regression', optimizer: { type: 'adam' } },
    task: 'multiclass',
  },
  {
    name: 'pipeline(scaler|one-hot|lr)',
    spec: {
      type: 'pipeline',
      steps: [{ type: 'standard-scaler' }, { type: 'one-hot' }],
      model: { type: 'logistic-regression' },
    },
    task: 'binary',
  },
  {
    name: 'pipeline(hasher|linreg)',
    spec: {
      type: 'pipeline',
      steps: [{ type: 'feature-hasher', nFeatures: 64 }],
      model: { type: 'linear-regression' },
    },
    task: 'regression',
  },
];

function predict(m: OnlineModel<Label, unknown>, x: Features): unknown {
  return isClassifier(m) ? (m as Classifier).predictProbaOne(x) : m.predictOne(x);
}

function prequential(m: OnlineModel<Label, unknown>, X: Features[], y: Label[]): unknown[] {
  return X.map((x, i) => {
    const p = predict(m, x);
    m.learnOne(x, y[i]!);
    return p;
  });
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

function shuffledKeys(x: Features, r: () => number): Features {
  const keys = Object.keys(x);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(keys.map((k) => [k, x[k]!]));
}

function expectClosePredictions(a: unknown[], b: unknown[], digits = 9): void {
  expect(a.length).toBe(b.length);
  a.forEach((p, i) => {
    if (typeof p === 'number') expect(p).toBeCloseTo(b[i] as number, digits);
    else {
      const q = b[i] as Record<string, number>;
      expect(Object.keys(p as object).sort()).toEqual(Object.keys(q).sort());
      for (const k of Object.keys(q)) expect((p as Record<string, number>)[k]).toBeCloseTo(q[k]!, digits);
    }
  });
}

const make = (spec: ModelSpec) => createModel(spec) as OnlineModel<Label, unknown>;

describe.each(cases)('conformance: $name', ({ spec, task }) => {
  const { X, y } = stream(task);

  it('never mutates its input (deep-frozen x)', () => {
    const m = make(spec);
    const frozen = X.map((x) => deepFreeze({ ...x }));
    const before = JSON.stringify(frozen);
    expect(() => prequential(m, frozen, y)).not.toThrow();
    expect(JSON.stringify(frozen)).toBe(before);
  });

  it('gives the same results whatever the feature order', () => {
    const r = rng(99);
    const a = prequential(make(spec), X, y);
    const b = prequential(
      make(spec),
      X.map((x) => shuffledKeys(x, r)),
      y,
    );
    expectClosePredictions(a, b);
  });

  it('tolerates unseen and missing features', () => {
    const m = make(spec);
    prequential(m, X.slice(0, 50), y);
    const unseen = { ...X[0]!, brandNew: 3 };
    const missing = { a: 1 };
    for (const x of [unseen, missing, {}]) {
      const p = predict(m, x);
      if (typeof p === 'number') expect(Number.isFinite(p)).toBe(true);
      else for (const v of Object.values(p as object)) expect(Number.isFinite(v)).toBe(true);
    }
    m.learnOne(unseen, y[0]!);
    m.learnOne(missing, y[1]!);
    expect(() => predict(m, X[2]!)).not.toThrow();
  });

  it('same data and options → identical results', () => {
    expect(prequential(make(spec), X, y)).toEqual(prequential(make(spec), X, y));
  });

  it('predicting does not change the model', () => {
    const m = make(spec);
    prequential(m, X.slice(0, 30), y);
    const before = JSON.stringify(m.toState());
    for (const x of X.slice(30, 60)) predict(m, { ...x, unseenAtPredict: 1 });
    expect(JSON.stringify(m.toState())).toBe(before);
  });

  it('toState → JSON → modelFromState predicts and learns identically', () => {
    const m = make(spec);
    prequential(m, X.slice(0, 100), y.slice(0, 100));
    const json = JSON.stringify(m.toState());
    const restored = modelFromState(JSON.parse(json) as ModelState) as OnlineModel<Label, unknown>;
    expect(restored.kind).toBe(m.kind);
    expect(JSON.stringify(restored.toState())).toBe(json);
    const rest = X.slice(100);
    const yr = y.slice(100);
    expect(prequential(restored, rest, yr)).toEqual(prequential(m, rest, yr));
    expect(JSON.stringify(restored.toState())).toBe(JSON.stringify(m.toState()));
  });

  it('dense rows learn exactly like dict rows (when supported)', () => {
    const a = make(spec);
    if (!isDenseModel<Label>(a)) return;
    const b = make(spec);
    if (!isDenseModel<Label>(b)) return;
    b.setDenseLayout(FEATURES);
    const row = new Float64Array(FEATURES.length);
    X.forEach((x, i) => {
      FEATURES.forEach((f, k) => (row[k] = x[f]!));
      const pa = predict(a, x);
      const pd = b.predictDense(row);
      expect(pd).toBe(typeof pa === 'number' ? pa : (pa as Record<string, number>).true);
      a.learnOne(x, y[i]!);
      b.learnDense(row, y[i]!);
    });
    expect(JSON.stringify(b.toState())).toBe(JSON.stringify(a.toState()));
  });
});

describe('registry', () => {
  it('rejects bad options with SL_ERR_CONFIG naming the field', () => {
    expect(() => createModel({ type: 'logistic-regression', l2: -1 })).toThrow(/l2/);
    expect(() => createModel({ type: 'logistic-regression', l1: 0.1, l2: 0.1 })).toThrow(/l1/);
    expect(() => createModel({ type: 'nope' } as unknown as ModelSpec)).toThrow(/invalid model spec/);
    try {
      createModel({ type: 'pa-classifier', mode: 3 } as unknown as ModelSpec);
    } catch (e) {
      expect((e as { code: string }).code).toBe('SL_ERR_CONFIG');
    }
  });

  it('modelFromState rejects unknown kinds', () => {
    expect(() => modelFromState({ kind: 'nope' })).toThrow(/unknown model kind/);
  });
});
