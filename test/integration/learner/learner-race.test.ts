import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/child-process.js';
import { parseConfig } from '../../../src/core/config/index.js';
import type { StreamlearnError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import {
  createLearnerStage,
  createModelReplica,
  decodeVersion,
  learnerCheckpointName,
  OnlineLearner,
} from '../../../src/online/index.js';
import { RedisCheckpointStore } from '../../../src/state/redis-store.js';
import { RACE_CONFIG, raceGenerator } from './fixtures/race-config.js';

// The real Redis from scripts/services.sh. Missing Redis fails these tests: it is not a reason to skip.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `sltest:${Date.now().toString(36)}-${randomUUID().slice(0, 8)}:learner:`;
const FIXTURE = fileURLToPath(new URL('./fixtures/learner-proc.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ROUND = 200;
const logger = createLogger('test');
const config = parseConfig(RACE_CONFIG, {});
const NAME = learnerCheckpointName(config);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function connectedStore(prefix: string): Promise<RedisCheckpointStore> {
  const store = new RedisCheckpointStore({ url: REDIS_URL, keyPrefix: prefix });
  await store.ping().catch((err: unknown) => {
    throw new Error(
      `Redis at ${REDIS_URL} does not answer (start it with scripts/services.sh up): ${(err as Error).message}`,
    );
  });
  return store;
}

afterAll(async () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${RUN}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
});

describe('two learner processes racing for the model lease (real learners, real Redis)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('the frozen former holder is refused and steps down; the new holder’s history is intact', async () => {
    const prefix = `${RUN}race:`;
    (await connectedStore(prefix)).close();
    const a = learner(children, { OWNER: 'A', CHECK_HELD: '0', KEY_PREFIX: prefix });
    await a.waitFor((e) => e.event === 'published' && (e.version as number) >= 3, 20_000);
    const b = learner(children, { OWNER: 'B', KEY_PREFIX: prefix });
    await b.waitFor((e) => e.event === 'started', 20_000);
    await sleep(300);
    expect(b.events.some((e) => e.event === 'acquired')).toBe(false); // B waits while A holds

    a.proc.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const bAcquired = await b.waitFor((e) => e.event === 'acquired', 8_000);
    await b.waitFor(
      (e) =>
        e.event === 'published' && (e.eventsSeen as number) >= (bAcquired.eventsSeen as number) + 3 * ROUND,
      8_000,
    );
    await sleep(Math.max(0, 3_000 - (Date.now() - stoppedAt)));
    a.proc.kill('SIGCONT');

    const refusal = await a.waitFor((e) => e.event === 'REFUSED', 8_000);
    const down = await a.waitFor((e) => e.event === 'stepped-down', 8_000);
    expect(down).toMatchObject({ role: 'replica', steppedDown: true });
    await a.waitFor((e) => e.event === 'stopped', 8_000);
    await sleep(300); // B keeps publishing after A's refused attempt
    b.proc.kill('SIGTERM');
    await b.waitFor((e) => e.event === 'stopped', 8_000);

    const aToken = a.events.find((e) => e.event === 'acquired')!.token as number;
    const bToken = bAcquired.token as number;
    expect(bToken).toBeGreaterThan(aToken);
    expect(refusal.token).toBe(aToken);
    expect(refusal.t as number).toBeGreaterThan(bAcquired.t as number);
    expect(bAcquired.resumedFrom).not.toBeNull();

    // The truth is what Redis holds.
    const store = await connectedStore(prefix);
    try {
      const versions = await store.listVersions(NAME);
      const rows = await Promise.all(
        versions.map(async (v) => {
          const payload = decodeVersion(NAME, (await store.loadVersion(NAME, v.version))!);
          expect(v.token).toBe(payload.metadata.token); // Redis' record of the writer agrees
          return { version: v.version, ...payload.metadata, state: payload.state };
        }),
      );
      const firstOfB = rows.findIndex((r) => r.owner === 'B');
      expect(firstOfB).toBeGreaterThan(0);
      expect(rows[firstOfB - 1]!.version).toBe(bAcquired.resumedFrom);
      for (const r of rows.slice(0, firstOfB)) expect([r.owner, r.token]).toEqual(['A', aToken]);
      for (const r of rows.slice(firstOfB)) expect([r.owner, r.token]).toEqual(['B', bToken]);
      // one unbroken history: every version learned exactly the next ROUND events
      expect(rows.map((r) => r.eventsSeen)).toEqual(rows.map((_, i) => (i + 1) * ROUND));
      expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
      expect(rows.map((r) => r.positions['gen:0'])).toEqual(rows.map((_, i) => String((i + 1) * ROUND)));
      // A's refused write is nowhere
      expect(rows.some((r) => r.owner === 'A' && r.eventsSeen === refusal.eventsSeen)).toBe(false);

      // B neither re-learned nor skipped: its first version is A's last plus the next ROUND events
      const replay = new OnlineLearner(config.pipeline, config.learner!, {
        store,
        lease: () => null,
        logger,
      });
      replay.restore(rows[firstOfB - 1]!.state);
      const gen = raceGenerator();
      for (let i = 0; i < firstOfB * ROUND; i++) gen.next();
      for (let i = 0; i < ROUND; i++)
        replay.onEvent(gen.next(), { partition: 'gen:0', offset: String(firstOfB * ROUND + i) }, 0);
      expect(JSON.stringify(replay.snapshot())).toBe(JSON.stringify(rows[firstOfB]!.state));
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('model versions on Redis', () => {
  it('numbers every publish, keeps the last N, lists them, and rolls back with history kept', async () => {
    const prefix = `${RUN}versions:`;
    const store = await connectedStore(prefix);
    const cfg = parseConfig(
      { ...RACE_CONFIG, learner: { ...RACE_CONFIG.learner!, keepVersions: 3, reloadInterval: 50 } },
      {},
    );
    const lease = (await store.acquire(NAME, 'L', 60_000))!;
    const { stage, service } = createLearnerStage(cfg, { store, lease: () => lease, logger });
    const replica = createModelReplica(cfg, { store: await connectedStore(prefix), logger });
    try {
      const gen = raceGenerator();
      const states: unknown[] = [];
      for (let v = 1; v <= 5; v++) {
        for (let i = 0; i < ROUND; i++)
          stage.onEvent(gen.next(), { partition: 'gen:0', offset: String((v - 1) * ROUND + i) }, 0);
        await stage.afterCheckpoint();
        states.push(stage.bundle.model.toState());
        expect(stage.publishedVersion).toBe(v);
      }
      await stage.afterCheckpoint(); // unchanged: no version
      let info = (await service.get('clicks'))!;
      expect(info.versions.map((v) => [v.version, v.eventsSeen])).toEqual([
        [3, 600],
        [4, 800],
        [5, 1000],
      ]);
      expect(info.versions[0]!.metrics).toHaveProperty('accuracy');

      info = await service.rollback('clicks', 4);
      expect(info.version).toBe(6);
      expect(info.versions.map((v) => [v.version, v.eventsSeen])).toEqual([
        [4, 800],
        [5, 1000],
        [6, 800],
      ]);
      expect(stage.bundle.model.toState()).toEqual(states[3]);
      const trimmed = await service.rollback('clicks', 2).catch((e: unknown) => e);
      expect((trimmed as StreamlearnError).code).toBe('SL_ERR_NOT_FOUND');

      // the replica serves the rolled-back version once it polls
      for (let i = 0; i < 100 && (await replica.get('clicks'))!.version !== 6; i++) await sleep(20);
      const probe = [{ x1: 0.2, x2: 1, amount: 20, region: 'us', device: 'tablet' }];
      expect(await replica.predict('clicks', probe)).toEqual(await service.predict('clicks', probe));
      await expect(replica.rollback('clicks', 5)).rejects.toMatchObject({
        code: 'SL_ERR_LEASE_LOST',
        status: 409,
      });
    } finally {
      replica.close();
      await stage.close();
      await store.close();
    }
  });
});

function learner(children: ChildProcess[], env: Record<string, string>): JsonLinesChild {
  return spawnJsonLines(
    FIXTURE,
    ROOT,
    { REDIS_URL, TTL_MS: '1500', INTERVAL_MS: '100', ROUND: String(ROUND), ...env },
    children,
    env.OWNER,
  );
}
