import { describe, expect, it } from 'vitest';
import { createModel, type Classifier } from '../../../src/online/index.js';
import type { Features, Label } from '../../../src/online/model.js';
import { DENSE, HASHED, REGRESSION, events, feed, learnerConfig, learnerOn } from './helpers.js';

const EVENTS = events(700);
type Seen = [string, number, number][];

async function observed(cfg: Parameters<typeof learnerConfig>[0]): Promise<Seen> {
  const { stage } = await learnerOn(learnerConfig(cfg));
  const seen: Seen = [];
  stage.setObserver((stream, value, ts) => seen.push([stream, value, ts]));
  feed(stage, EVENTS);
  return seen;
}

describe('learner observer (prediction and error streams)', () => {
  it('binary: P(true) and 0/1 error per labelled event, from the prediction made before learning', async () => {
    const seen = await observed(DENSE);
    const model = createModel({
      type: 'logistic-regression',
      optimizer: { type: 'sgd', lr: 0.05 },
    }) as Classifier;
    const expected: Seen = [];
    for (const e of EVENTS) {
      if (e.label === null) continue;
      const x = { x1: e.x1, x2: e.x2, x3: e.x3, x4: e.x4 } as Features;
      const p = model.predictProbaOne(x).true!;
      expected.push(['prediction', p, e.ts], ['error', p > 1 - p === e.label ? 0 : 1, e.ts]);
      model.learnOne(x, e.label as Label);
    }
    expect(seen).toEqual(expected);
  });

  it('regression: ŷ and |y − ŷ|; hashed features (sparse path) too', async () => {
    const reg = await observed(REGRESSION);
    expect(reg).toHaveLength(2 * EVENTS.length); // the label (amount) is never null
    EVENTS.forEach((e, i) => {
      const [[s1, yhat, ts], [s2, err]] = [reg[2 * i]!, reg[2 * i + 1]!];
      expect([s1, s2, ts]).toEqual(['prediction', 'error', e.ts]);
      expect(err).toBe(Math.abs((e.amount as number) - yhat));
    });
    const hashed = await observed(HASHED);
    expect(new Set(hashed.filter(([s]) => s === 'error').map(([, v]) => v))).toEqual(new Set([0, 1]));
  });

  it('multi-class: the predicted class’s probability', async () => {
    const seen = await observed({
      features: { numeric: ['x1', 'x2'] },
      label: 'device',
      model: { type: 'gaussian-nb' },
    });
    const preds = seen.filter(([s]) => s === 'prediction').map(([, v]) => v);
    expect(preds.length).toBe(EVENTS.length); // the label (device) is never null
    expect(preds.slice(10).every((p) => p > 0 && p <= 1)).toBe(true);
  });

  it('setObserver(null) stops the calls', async () => {
    const { stage } = await learnerOn(learnerConfig(DENSE));
    let calls = 0;
    stage.setObserver(() => calls++);
    feed(stage, EVENTS, 0, 10);
    stage.setObserver(null);
    feed(stage, EVENTS, 10, 20);
    expect(calls).toBe(2 * EVENTS.slice(0, 10).filter((e) => e.label !== null).length);
  });
});
