import { mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCheckpointStore } from '../../../src/state/redis-store.js';
import { REDIS_URL, requireServices } from '../helpers/services.js';
import { EVENTS, rollbackThenCrash } from '../../online/learner/rollback-scenario.js';

// The unit test's scenario (test/online/learner/rollback.test.ts) on the real Redis store.
const PREFIX = `sltest:${Date.now().toString(36)}-${randomUUID().slice(0, 8)}:rollback:`;

describe('rollback, then a crash, on Redis (Pipeline with a learner)', () => {
  beforeAll(async () => requireServices(['redis']));
  afterAll(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });

  for (const checkpointAfterRollback of [false, true]) {
    it(`restores the rolled-back model${checkpointAfterRollback ? ' once, when a checkpoint already holds it' : ' after a crash before the next checkpoint'}`, async () => {
      const store = new RedisCheckpointStore({ url: REDIS_URL, keyPrefix: PREFIX });
      try {
        const dir = mkdtempSync(join(tmpdir(), 'sl-rollback-redis-'));
        const r = await rollbackThenCrash(store, dir, {
          pipeline: `rb${checkpointAfterRollback ? 'c' : 'n'}`,
          checkpointAfterRollback,
        });
        expect(r.copy).toMatchObject({ reason: 'rollback', rollbackOf: 1 });
        expect(JSON.stringify(r.learner.bundle.model.toState())).toBe(r.expectedModel);
        expect(r.learner.eventsSeen).toBe(EVENTS);
        expect(r.versions.filter((v) => v.metadata.reason === 'rollback')).toHaveLength(1);
      } finally {
        await store.close();
      }
    });
  }
});
