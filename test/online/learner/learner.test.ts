import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/core/config/index.js';
import { StreamlearnError } from '../../../src/core/errors.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { Evaluator, ModelBundle, createModel, type Classifier } from '../../../src/online/index.js';
import type { Features, Label, MiniBatchModel } from '../../../src/online/model.js';
import {
  DENSE,
  HASHED,
  MINI_BATCH,
  MIXED,
  REGRESSION,
  events,
  feed,
  learnerConfig,
  learnerOn,
  merge,
} from './helpers.js';

const EVENTS = events(3_000);

describe('prequential evaluation', () => {
  it('predicts each event before learning it: the first prediction is the untrained model’s', async () => {
    const { stage } = await learnerOn(learnerConfig(DENSE));
    const rows = feed(stage, EVENTS, 0, 500).get('predictions')!;
    expect(rows).toHaveLength(500);
    expect(rows[0]).toMatchObject({ offset: 0, events: 0, probability: 0.5, prediction: 'false' });

    // the same loop by hand on the model alone, on the dict path
    const model = createModel({
      type: 'logistic-regression',
      optimizer: { type: 'sgd', lr: 0.05 },
    }) as Classifier;
    let learned = 0;
    EVENTS.slice(0, 500).forEach((e, i) => {
      const x = { x1: e.x1, x2: e.x2, x3: e.x3, x4: e.x4 } as Features;
      const p = model.predictProbaOne(x).true!;
      expect(rows[i]!.probability).toBe(p);
      expect(rows[i]!.events).toBe(learned);
      if (e.label !== null) {
        model.learnOne(x, e.label as Label);
        learned++;
      }
    });
    expect(stage.bundle.model.toState()).toEqual(model.toState());
  });

  it('learns labelled events only, and counts every event seen', async () => {
    const { stage } = await learnerOn(learnerConfig(DENSE));
    feed(stage, EVENTS, 0, 700);
    expect(stage.eventsSeen).toBe(700);
    expect(stage.labelled).toBe(600);
    expect(stage.consumed).toEqual({ 'gen:0': '700' });
  });

  it('writes metric rows every metricsEvery labelled events, keyed by event time, equal to the metrics', async () => {
    const config = learnerConfig(DENSE);
    const { stage } = await learnerOn(config);
    const rows = feed(stage, EVENTS, 0, 1_000).get('model_metrics')!;
    const labelledTs = EVENTS.slice(0, 1_000).filter((e) => e.label !== null);
    expect(rows.map((r) => r.events)).toEqual([100, 200, 300, 400, 500, 600, 700, 800]);
    expect(rows.map((r) => r.evaluated_at)).toEqual(
      [100, 200, 300, 400, 500, 600, 700, 800].map((n) => labelledTs[n - 1]!.ts),
    );
    const ev = new Evaluator(config.learner!, 'binary');
    const bundle = ModelBundle.create(config.learner!);
    const expected: Record<string, unknown>[] = [];
    let n = 0;
    for (const e of EVENTS.slice(0, 1_000)) {
      if (e.label === null) continue;
      const pred = bundle.predict(e);
      ev.update(e.label as Label, pred.prediction, pred.probabilities!.true!);
      bundle.dense!.learnDense(bundle.row, e.label as Label);
      if (++n % 100 === 0) expected.push({ ...ev.overall() });
    }
    rows.forEach((r, i) => {
      for (const [k, v] of Object.entries(expected[i]!)) expect(r[k]).toBe(v);
    });
    expect(Object.keys(rows[0]!)).toEqual(
      expect.arrayContaining([
        'accuracy',
        'log_loss',
        'roc_auc_binned',
        'f1',
        'accuracy_rolling',
        'f1_rolling',
      ]),
    );
  });

  it('gives identical rows and state on every run (deterministic)', async () => {
    for (const cfg of [DENSE, MIXED, HASHED, REGRESSION]) {
      const a = await learnerOn(learnerConfig(cfg));
      const b = await learnerOn(learnerConfig(cfg));
      const ra = feed(a.stage, EVENTS);
      const rb = feed(b.stage, EVENTS);
      expect(JSON.stringify([...ra])).toBe(JSON.stringify([...rb]));
      expect(JSON.stringify(a.stage.snapshot())).toBe(JSON.stringify(b.stage.snapshot()));
      expect(ra.get('model_metrics')!.length).toBeGreaterThan(10);
    }
  });

  it('writes a row each time event time crosses a metricsInterval boundary', async () => {
    const { stage } = await learnerOn(learnerConfig({ ...DENSE, metricsInterval: '10s' }));
    const rows = feed(stage, EVENTS, 0, 1_000).get('model_metrics')!;
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) expect((r.evaluated_at as number) % 10_000).toBe(0);
    stage.onWatermark(Number.POSITIVE_INFINITY);
    const last = stage.drainRows().get('model_metrics')!;
    expect(last).toHaveLength(1);
    expect(last[0]!.events).toBe(stage.labelled);
  });
});

describe('checkpoints', () => {
  for (const [name, cfg] of Object.entries({ DENSE, MIXED, HASHED, REGRESSION, MINI_BATCH })) {
    it(`${name}: snapshot → JSON → restore mid-stream, then continuing, is bit-identical to a straight run`, async () => {
      const straight = await learnerOn(learnerConfig(cfg));
      const straightRows = feed(straight.stage, EVENTS);
      for (const cut of [1, 333, 1_501]) {
        const first = await learnerOn(learnerConfig(cfg));
        const rows = feed(first.stage, EVENTS, 0, cut);
        const saved = JSON.parse(JSON.stringify(first.stage.snapshot()));
        const second = await learnerOn(learnerConfig(cfg));
        second.stage.restore(saved);
        merge(rows, feed(second.stage, EVENTS, cut));
        expect(JSON.stringify(second.stage.snapshot())).toBe(JSON.stringify(straight.stage.snapshot()));
        expect(JSON.stringify([...rows])).toBe(JSON.stringify([...straightRows]));
      }
    });
  }
});

describe('mini-batches', () => {
  it('miniBatch 1 on a learnMany model is exactly one-at-a-time learning', async () => {
    const a = await learnerOn(learnerConfig({ ...DENSE, miniBatch: 1 }));
    feed(a.stage, EVENTS);
    const model = createModel({ type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } });
    for (const e of EVENTS)
      if (e.label !== null) model.learnOne({ x1: e.x1, x2: e.x2, x3: e.x3, x4: e.x4 } as Features, e.label);
    expect(a.stage.bundle.model.toState()).toEqual(model.toState());
  });

  it('miniBatch n predicts on arrival and learns every n labelled events with one learnMany', async () => {
    const { stage } = await learnerOn(learnerConfig(MINI_BATCH));
    const rows = feed(stage, EVENTS).get('predictions')!;
    const model = createModel({ type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } });
    const m = model as unknown as Classifier & MiniBatchModel<Label, unknown>;
    let X: Features[] = [];
    let Y: Label[] = [];
    EVENTS.forEach((e, i) => {
      const x = { x1: e.x1, x2: e.x2, x3: e.x3, x4: e.x4 } as Features;
      expect(rows[i]!.probability).toBe(m.predictProbaOne(x).true);
      if (e.label === null) return;
      X.push(x);
      Y.push(e.label as Label);
      if (X.length === 8) {
        m.learnMany(X, Y);
        X = [];
        Y = [];
      }
    });
    expect(JSON.stringify(stage.bundle.model.toState())).toBe(JSON.stringify(model.toState()));
  });
});

describe('model versions', () => {
  it('publishes a numbered version after a checkpoint only when the model changed, keeping the last N', async () => {
    const config = learnerConfig({ ...DENSE, keepVersions: 3 });
    const { stage, store, checkpointName } = await learnerOn(config);
    await stage.afterCheckpoint(); // nothing learned yet
    expect(await store.listVersions(checkpointName)).toEqual([]);
    for (let k = 0; k < 5; k++) {
      feed(stage, EVENTS, k * 100, (k + 1) * 100);
      await stage.afterCheckpoint();
      await stage.afterCheckpoint(); // unchanged: no new version
    }
    const versions = await store.listVersions(checkpointName);
    expect(versions.map((v) => v.version)).toEqual([3, 4, 5]);
    expect(stage.publishedVersion).toBe(5);
    const info = (await (await learnerOn(config)).service.list())[0]!;
    expect(info.versions).toEqual([]); // another store
    const mine = await stageInfo(stage, store);
    expect(mine.versions.map((v) => v.eventsSeen)).toEqual([300, 400, 500]);
    expect(mine.role).toBe('learner');
    expect(mine.eventsSeen).toBe(500);
  });

  it('after a restart it does not republish a state the store already holds', async () => {
    const config = learnerConfig(DENSE);
    const a = await learnerOn(config);
    feed(a.stage, EVENTS, 0, 300);
    await a.stage.afterCheckpoint();
    const saved = JSON.parse(JSON.stringify(a.stage.snapshot()));
    const b = await learnerOn(config, a.store, 'test');
    b.stage.restore(saved);
    await b.stage.afterCheckpoint();
    expect((await a.store.listVersions(a.checkpointName)).map((v) => v.version)).toEqual([1]);
    expect(b.stage.publishedVersion).toBe(1);
    feed(b.stage, EVENTS, 300, 400);
    await b.stage.afterCheckpoint();
    expect(b.stage.publishedVersion).toBe(2);
  });

  it('rollback makes an old version the newest (history kept) and learning continues from it', async () => {
    const config = learnerConfig(DENSE);
    const { stage, store, service, checkpointName } = await learnerOn(config);
    feed(stage, EVENTS, 0, 200);
    await stage.afterCheckpoint();
    const v1Model = stage.bundle.model.toState();
    feed(stage, EVENTS, 200, 400);
    await stage.afterCheckpoint();
    expect(stage.bundle.model.toState()).not.toEqual(v1Model);

    const info = await service.rollback('model', 1);
    expect(info.version).toBe(3);
    expect(info.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(info.versions.map((v) => v.eventsSeen)).toEqual([200, 400, 200]);
    expect(stage.bundle.model.toState()).toEqual(v1Model);
    expect((await service.predict(undefined, [{ x1: 1 }]))[0]!.version).toBe(3);
    expect(stage.eventsSeen).toBe(400); // the stream position does not go back

    // learning continues from the rolled-back model, and publishes on top of the history
    const expected = createModel({ type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } });
    const restored = ModelBundle.fromState(config.learner!, { model: v1Model, scaler: null });
    for (const e of EVENTS.slice(400, 500))
      if (e.label !== null)
        restored.model.learnOne({ x1: e.x1, x2: e.x2, x3: e.x3, x4: e.x4 } as Features, e.label);
    feed(stage, EVENTS, 400, 500);
    expect(stage.bundle.model.toState()).toEqual(restored.model.toState());
    expect(expected.kind).toBe('logistic-regression');
    await stage.afterCheckpoint();
    expect((await store.listVersions(checkpointName)).map((v) => v.version)).toEqual([1, 2, 3, 4]);

    const missing = await service.rollback('model', 99).catch((e: unknown) => e);
    expect((missing as StreamlearnError).code).toBe('SL_ERR_NOT_FOUND');
  });

  it('steps down when its lease is gone: publish refused, then it serves as a replica', async () => {
    const config = learnerConfig(DENSE);
    const { stage, store, service, checkpointName, lease } = await learnerOn(config);
    feed(stage, EVENTS, 0, 100);
    await stage.afterCheckpoint();
    await store.release(lease);
    const other = (await store.acquire(checkpointName, 'other', 60_000))!;
    feed(stage, EVENTS, 100, 200);
    const err = await stage.afterCheckpoint().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamlearnError);
    expect((err as StreamlearnError).code).toBe('SL_ERR_LEASE_LOST');
    expect(stage.steppedDown).toBe(true);
    expect((await service.get('model'))!.role).toBe('replica');
    const refused = await service.rollback('model', 1).catch((e: unknown) => e);
    expect((refused as StreamlearnError).status).toBe(409);
    expect((refused as Error).message).toMatch(/replica/);
    await expect(stage.afterCheckpoint()).rejects.toMatchObject({ code: 'SL_ERR_LEASE_LOST' });
    expect((await store.listVersions(checkpointName)).map((v) => v.token)).toEqual([lease.token]);
    expect(other.token).toBeGreaterThan(lease.token);
    service.close();
  });
});

describe('learner config', () => {
  const parse = (learner: unknown): unknown =>
    parseConfig({ source: { type: 'generator' }, schema: GENERATOR_SCHEMA, learner }, {});
  it('names bad fields, metrics that do not fit the task and impossible mini-batches', () => {
    expect(() => parse({ ...DENSE, label: 'nope' })).toThrow(/learner\.label: field "nope" is not declared/);
    expect(() => parse({ ...DENSE, features: { numeric: ['region'] } })).toThrow(/is a string, not a number/);
    expect(() => parse({ ...REGRESSION, metrics: ['log-loss'] })).toThrow(/does not apply to a regression/);
    expect(() => parse({ ...DENSE, model: { type: 'pa-classifier' }, miniBatch: 4 })).toThrow(/learnMany/);
    expect(() => parse({ ...DENSE, label: 'x1' })).toThrow(/must not also be a feature/);
    expect(() => parse({ ...DENSE, features: {} })).toThrow(/at least one feature/);
  });
});

async function stageInfo(
  stage: Awaited<ReturnType<typeof learnerOn>>['stage'],
  store: Awaited<ReturnType<typeof learnerOn>>['store'],
) {
  const { ModelServer } = await import('../../../src/online/index.js');
  const { logger } = await import('./helpers.js');
  const server = new ModelServer({ store, logger });
  server.addLearner(stage);
  const info = (await server.get('model'))!;
  server.close();
  return info;
}
