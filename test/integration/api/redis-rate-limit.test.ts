import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import { RedisRateLimiter } from '../../../src/api/rate-limit.js';
import { DEFAULT_REDIS_URL } from '../../../src/core/connections.js';
import { KEY_A, KEY_B, fakeContext } from '../../api/fakes.js';

// Real Redis (scripts/services.sh up). Fails, not skips, when it is down.
const REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const prefix = `streamlearn:test:ratelimit:${process.pid}:${Date.now()}:`;
let admin: Redis;

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true });
  await admin.connect(); // throws when Redis is down: the suite fails
  await admin.ping();
});

afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

describe('Redis-backed rate limit (shared token bucket)', () => {
  it('two instances share one bucket per key, atomically', async () => {
    const limiters = [0, 1].map(
      () => new RedisRateLimiter({ burst: 10, perSecond: 0.001, redisUrl: REDIS_URL }, { prefix }),
    );
    const apps: FastifyInstance[] = [];
    try {
      for (const limiter of limiters)
        apps.push(
          await buildApp(fakeContext(), { apiKeys: [KEY_A, KEY_B] }, { env: {}, rateLimiter: limiter }),
        );
      // 30 concurrent requests spread over both instances: exactly the burst gets through
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          apps[i % 2]!.inject({ url: '/v1/models', headers: { 'x-api-key': KEY_A } }),
        ),
      );
      const codes = answers.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 200)).toHaveLength(10);
      expect(codes.filter((c) => c === 429)).toHaveLength(20);
      const limited = answers.find((r) => r.statusCode === 429)!;
      expect(limited.json().code).toBe('SL_ERR_RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // another key has its own bucket
      expect((await apps[1]!.inject({ url: '/v1/models', headers: { 'x-api-key': KEY_B } })).statusCode).toBe(
        200,
      );
      // the bucket lives in Redis under a hash of the key, never the key itself
      const stored = await admin.keys(`${prefix}*`);
      expect(stored.length).toBe(2);
      expect(stored.join(' ')).not.toContain(KEY_A);
      expect(await admin.pttl(stored[0]!)).toBeGreaterThan(0);
    } finally {
      for (const a of apps) await a.close();
      for (const l of limiters) await l.close();
    }
  });

  it('refills over time using Redis time', async () => {
    const limiter = new RedisRateLimiter({ burst: 2, perSecond: 20, redisUrl: REDIS_URL }, { prefix });
    try {
      expect((await limiter.take('refill')).allowed).toBe(true);
      expect((await limiter.take('refill')).allowed).toBe(true);
      const refused = await limiter.take('refill');
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(50);
      await new Promise((r) => setTimeout(r, 120));
      expect((await limiter.take('refill')).allowed).toBe(true);
    } finally {
      await limiter.close();
    }
  });

  it('fails open (and reports) when Redis cannot be reached', async () => {
    const errors: unknown[] = [];
    const limiter = new RedisRateLimiter(
      { burst: 1, perSecond: 1, redisUrl: 'redis://127.0.0.1:1' },
      { prefix, onError: (err) => errors.push(err) },
    );
    try {
      expect((await limiter.take('x')).allowed).toBe(true);
      expect(errors.length).toBe(1);
    } finally {
      await limiter.close();
    }
  });
});
