import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Classifier, Features, Label, OnlineModel } from '../../src/online/model.js';
import { createModel, type LogisticRegression, type ModelSpec } from '../../src/online/models/index.js';

// Prequential reference runs produced by scripts/fixtures/online/make_fixtures.py (River).
interface Packed {
  columns: string[];
  rows: (number | null)[][];
}
interface Case {
  name: string;
  spec: ModelSpec;
  kind: 'binary' | 'multiclass' | 'regression';
  target?: 'bin' | 'reg' | 'cls';
  expected: (number | Record<string, number>)[];
}

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/online/${name}`, import.meta.url), 'utf8'));

export function unpack(p: Packed): Features[] {
  return p.rows.map((row) => {
    const x: Record<string, number> = {};
    row.forEach((v, i) => {
      if (v !== null) x[p.columns[i]!] = v;
    });
    return x;
  });
}

function run(c: Case, X: Features[], y: readonly Label[]): (number | Record<string, number>)[] {
  const model = createModel(c.spec) as OnlineModel<Label, unknown>;
  const out: (number | Record<string, number>)[] = [];
  for (let i = 0; i < X.length; i++) {
    if (c.kind === 'binary') out.push((model as Classifier).predictProbaOne(X[i]!).true ?? 0);
    else if (c.kind === 'multiclass') out.push((model as Classifier).predictProbaOne(X[i]!));
    else out.push(model.predictOne(X[i]!) as number);
    model.learnOne(X[i]!, y[i]!);
  }
  return out;
}

function expectClose(
  actual: (number | Record<string, number>)[],
  expected: (number | Record<string, number>)[],
): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (typeof e === 'number') {
      const d = Math.abs((a as number) - e);
      if (!(d <= worst)) [worst, worstAt] = [d, i];
    } else {
      expect(Object.keys(a as object).sort(), `keys at ${i}`).toEqual(Object.keys(e).sort());
      for (const k of Object.keys(e)) {
        const d = Math.abs((a as Record<string, number>)[k]! - e[k]!);
        if (!(d <= worst)) [worst, worstAt] = [d, i];
      }
    }
  }
  expect(worst, `largest difference at row ${worstAt}`).toBeLessThan(1e-6);
}

describe('River parity on Phishing', () => {
  const data = load('phishing.json');
  const X = unpack(data.stream);
  for (const c of data.cases as Case[]) {
    it(`${c.name} matches River ${data.versions.river}`, () => {
      expectClose(run(c, X, data.stream.y), c.expected);
    });
  }
});

describe('River parity of learnMany (one mean-gradient step per batch)', () => {
  const data = load('phishing.json');
  const X = unpack(data.stream);
  const y: boolean[] = data.stream.y;
  for (const c of data.batchCases as (Case & { batchSize: number })[]) {
    it(`${c.name} matches River's learn_many`, () => {
      const model = createModel(c.spec) as LogisticRegression;
      const out: number[] = [];
      for (let s = 0; s < X.length; s += c.batchSize) {
        const bx = X.slice(s, s + c.batchSize);
        for (const x of bx) out.push(model.predictProbaOne(x).true!);
        model.learnMany(bx, y.slice(s, s + c.batchSize));
      }
      expectClose(out, c.expected);
    });
  }
});

describe('River parity on a generated stream with missing features', () => {
  const data = load('generated.json');
  const X = unpack(data.stream);
  for (const c of data.cases as Case[]) {
    it(`${c.name} matches River`, () => {
      expectClose(run(c, X, data.stream[c.target!]), c.expected);
    });
  }
  const Xc = unpack(data.counts);
  for (const c of data.countsCases as Case[]) {
    it(`${c.name} matches River on word counts`, () => {
      expectClose(run(c, Xc, data.counts.y), c.expected);
    });
  }
});
