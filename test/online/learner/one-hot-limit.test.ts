import { describe, expect, it } from 'vitest';
import { OTHER_CATEGORY } from '../../../src/online/preprocessing/index.js';
import { events, feed, learnerConfig, learnerOn } from './helpers.js';

/** A field of ids (50 users here) one-hot encoded, limited to 10 categories. */
const config = learnerConfig({
  features: { numeric: ['x1', 'x2'], categorical: ['user', 'region'] },
  label: 'label',
  model: { type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } },
  categorical: { type: 'one-hot', maxCategories: 10 },
  metricsEvery: 100,
});
const EVS = events(2_000, 5);

describe('one-hot encoding with maxCategories in the learner', () => {
  it('bounds the model: a field of ids adds at most maxCategories weights and one for the rest', async () => {
    const { stage } = await learnerOn(config);
    feed(stage, EVS);
    const features = (stage.bundle.model.toState() as unknown as { features: string[] }).features;
    const users = features.filter((f) => f.startsWith('user_'));
    expect(users).toHaveLength(11);
    expect(users).toContain(`user_${OTHER_CATEGORY}`);
    // the region field has fewer values than the limit: all its own, none shared
    expect(features.filter((f) => f.startsWith('region_')).length).toBeLessThanOrEqual(10);
    expect(stage.bundle.fullCategoricalFields).toEqual(['user']);
  });

  it('restores its admitted values with the model: a restored learner predicts and learns on identically', async () => {
    const a = await learnerOn(config);
    feed(a.stage, EVS, 0, 1_000);
    const saved = JSON.parse(JSON.stringify(a.stage.snapshot()));
    const b = await learnerOn(config, a.store, 'other');
    await b.stage.restore(saved);
    for (const e of EVS.slice(1_000, 1_100))
      expect(b.stage.bundle.predict(e)).toEqual(a.stage.bundle.predict(e));
    feed(a.stage, EVS, 1_000);
    feed(b.stage, EVS, 1_000);
    expect(b.stage.bundle.toState()).toEqual(a.stage.bundle.toState());
  });
});
