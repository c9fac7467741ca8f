import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Accuracy,
  BinnedRocAuc,
  F1,
  LogLoss,
  MAE,
  Precision,
  R2,
  RMSE,
  Recall,
  RocAuc,
  Rolling,
  METRICS,
  createMetric,
  type Metric,
} from '../../src/online/metrics/index.js';

// y/ŷ sequences with scikit-learn and River values, from scripts/fixtures/online/make_fixtures.py.
const data = JSON.parse(readFileSync(new URL('../fixtures/online/metrics.json', import.meta.url), 'utf8'));
const { yTrue, proba, yPred, rTrue, rPred } = data as {
  yTrue: boolean[];
  proba: number[];
  yPred: boolean[];
  rTrue: number[];
  rPred: number[];
};

function feed<T, P>(m: Metric<T, P>, t: readonly T[], p: readonly P[]): number {
  for (let i = 0; i < t.length; i++) m.update(t[i]!, p[i]!);
  return m.get();
}

describe('metrics against scikit-learn', () => {
  const sk = data.sklearn;
  it.each([
    ['accuracy', () => feed(new Accuracy(), yTrue, yPred), sk.accuracy],
    ['precision', () => feed(new Precision(), yTrue, yPred), sk.precision],
    ['recall', () => feed(new Recall(), yTrue, yPred), sk.recall],
    ['f1', () => feed(new F1(), yTrue, yPred), sk.f1],
    ['log loss', () => feed(new LogLoss(), yTrue, proba), sk.logLoss],
    ['exact ROC AUC (with ties)', () => feed(new RocAuc(), yTrue, proba), sk.rocAuc],
    ['MAE', () => feed(new MAE(), rTrue, rPred), sk.mae],
    ['RMSE', () => feed(new RMSE(), rTrue, rPred), sk.rmse],
    ['R²', () => feed(new R2(), rTrue, rPred), sk.r2],
  ] as const)('%s', (_name, compute, expected) => {
    expect(compute()).toBeCloseTo(expected as number, 10);
  });
});

describe('metrics against River', () => {
  it("binned ROC AUC equals River's ROCAUC(n_thresholds=10)", () => {
    expect(feed(new BinnedRocAuc(10), yTrue, proba)).toBeCloseTo(data.river.rocAuc10, 12);
  });

  it('Rolling(Accuracy, 50) and Rolling(MAE, 25) match River step by step', () => {
    const acc = new Rolling(new Accuracy(), 50);
    const mae = new Rolling(new MAE(), 25);
    yTrue.forEach((t, i) => {
      acc.update(t, yPred[i]!);
      mae.update(rTrue[i]!, rPred[i]!);
      expect(acc.get()).toBeCloseTo(data.river.rollingAccuracy50[i], 12);
      expect(mae.get()).toBeCloseTo(data.river.rollingMae25[i], 9);
    });
  });
});

describe('metrics by hand', () => {
  it('exact AUC: ties count one half', () => {
    const m = new RocAuc();
    m.update(true, 0.5);
    m.update(false, 0.5);
    expect(m.get()).toBe(0.5);
    m.update(true, 0.9);
    // pairs: (0.5+,0.5-) = 0.5, (0.9+,0.5-) = 1 → 1.5 / 2
    expect(m.get()).toBe(0.75);
    m.revert(true, 0.5);
    expect(m.get()).toBe(1);
  });

  it('rolling exact AUC equals a fresh AUC over the window', () => {
    const rolling = new Rolling(new RocAuc(), 40);
    for (let i = 0; i < 120; i++) rolling.update(yTrue[i]!, proba[i]!);
    expect(rolling.get()).toBeCloseTo(feed(new RocAuc(), yTrue.slice(80, 120), proba.slice(80, 120)), 12);
  });

  it('accepts probability records and custom positive labels', () => {
    const m = new LogLoss();
    m.update(true, { false: 0.2, true: 0.8 });
    expect(m.get()).toBeCloseTo(-Math.log(0.8), 12);
    const f = new F1('spam');
    f.update('spam', 'spam');
    f.update('ham', 'spam');
    f.update('spam', 'ham');
    expect(f.get()).toBeCloseTo(0.5, 12);
  });

  it('empty metrics are 0, not NaN', () => {
    for (const m of [new Accuracy(), new F1(), new RocAuc(), new MAE(), new R2(), new LogLoss()])
      expect(m.get()).toBe(0);
  });

  it('createMetric builds plain and rolling metrics; rejects unknown names', () => {
    expect(createMetric('accuracy')).toBeInstanceOf(Accuracy);
    const r = createMetric({ type: 'mae', window: 3 });
    expect(r).toBeInstanceOf(Rolling);
    expect(() => createMetric('nope' as 'mae')).toThrow();
  });
});

describe('metric state', () => {
  const names = Object.keys(METRICS) as (keyof typeof METRICS)[];
  it.each(names.flatMap((type) => [{ type }, { type, window: 37 }]))(
    '$type (window $window) continues identically after toState → JSON → loadState',
    (spec) => {
      const input = METRICS[spec.type].input;
      const t: unknown[] = input === 'number' ? rTrue : yTrue;
      const p: unknown[] = input === 'number' ? rPred : input === 'proba' ? proba : yPred;
      const a = createMetric(spec);
      for (let i = 0; i < 150; i++) a.update(t[i], p[i]);
      const b = createMetric(spec);
      b.loadState(JSON.parse(JSON.stringify(a.toState())));
      expect(b.get()).toBe(a.get());
      for (let i = 150; i < t.length; i++) {
        a.update(t[i], p[i]);
        b.update(t[i], p[i]);
        expect(b.get()).toBe(a.get());
      }
    },
  );
});
