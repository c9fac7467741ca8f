import { describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../../src/core/errors.js';
import type { FieldValue } from '../../../src/core/event.js';
import { createModelReplica } from '../../../src/online/index.js';
import { DENSE, MIXED, events, feed, learnerConfig, learnerOn, logger } from './helpers.js';

const EVENTS = events(1_000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ModelServer', () => {
  it('a replica picks up each new version by polling and predicts exactly as the learner did', async () => {
    const config = learnerConfig({ ...MIXED, reloadInterval: 20 });
    const { stage, store, service } = await learnerOn(config);
    const replica = createModelReplica(config, { store, logger });
    try {
      const none = await replica.predict(undefined, [{ x1: 1 }]).catch((e: unknown) => e);
      expect((none as StreamlearnError).code).toBe('SL_ERR_UNAVAILABLE');
      expect((await replica.get('model'))!).toMatchObject({ role: 'replica', version: null });

      const probe: Record<string, FieldValue>[] = [
        { x1: 0.5, x2: -1, amount: 30, latency_ms: 100, region: 'eu', device: 'mobile' },
        { x1: -2, region: 'latam' }, // missing features are fine
        { x1: 1, x2: 1, region: 'mars', device: null }, // so is an unseen category
      ];
      for (const [from, to, version] of [
        [0, 300, 1],
        [300, 600, 2],
      ] as const) {
        feed(stage, EVENTS, from, to);
        await stage.afterCheckpoint();
        const learnerAnswer = await service.predict('model', probe);
        for (let i = 0; i < 50; i++) {
          await sleep(20);
          if ((await replica.get('model'))!.version === version) break;
        }
        const answer = await replica.predict(undefined, probe);
        expect(answer).toEqual(learnerAnswer);
        expect(answer.map((a) => a.version)).toEqual([version, version, version]);
        expect(typeof answer[0]!.prediction).toBe('boolean');
        expect(answer[0]!.probabilities!.true! + answer[0]!.probabilities!.false!).toBeCloseTo(1, 12);
      }
      const info = (await replica.get('model'))!;
      expect(info).toMatchObject({ role: 'replica', version: 2, eventsSeen: 600, task: 'classification' });
      expect(info.metrics.overall).toEqual(stage.evaluator.overall());
      expect(info.versions.map((v) => v.version)).toEqual([1, 2]);
      expect((await service.get('model'))!).toMatchObject({ role: 'learner', version: 2, eventsSeen: 600 });
    } finally {
      replica.close();
      service.close();
    }
  });

  it('validates instances: non-finite or wrongly typed features are SL_ERR_VALIDATION', async () => {
    const { stage, service } = await learnerOn(learnerConfig(DENSE));
    feed(stage, EVENTS, 0, 50);
    for (const bad of [{ x1: Number.NaN }, { x2: Number.POSITIVE_INFINITY }, { x1: 'abc' }, null, [1]]) {
      const err = await service
        .predict(undefined, [{ x1: 1 }, bad as never])
        .catch((e: unknown) => e as StreamlearnError);
      expect(err).toBeInstanceOf(StreamlearnError);
      expect((err as StreamlearnError).code).toBe('SL_ERR_VALIDATION');
      expect((err as StreamlearnError).message).toMatch(/^instances\[1\]/);
    }
    const [ok] = await service.predict(undefined, [{ x1: 1, unknown: 'ignored' }]);
    expect(ok!.version).toBe(0); // live model, nothing published yet
    await expect(service.predict('other', [])).rejects.toMatchObject({ code: 'SL_ERR_NOT_FOUND' });
    service.close();
  });
});
