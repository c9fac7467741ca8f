import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { MemoryRateLimiter } from '../../src/api/rate-limit.js';
import { resolveApiKeys } from '../../src/core/config/api.js';
import { KEY_A, KEY_B, fakeContext } from './fakes.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('API keys', () => {
  it('refuses protected routes without a valid key, keeps probes, docs and dashboard open', async () => {
    app = await buildApp(fakeContext(), { apiKeys: [KEY_A], rateLimit: { enabled: false } }, { env: {} });
    expect(app.apiSecurity).toMatchObject({ demoMode: false, keys: 1 });
    for (const url of [
      '/v1/models',
      '/v1/drift',
      '/v1/alerts',
      '/v1/windows/by_region',
      '/metrics',
      '/v1/stream',
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().code).toBe('SL_ERR_UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/Bearer/);
    }
    const wrong = await app.inject({ url: '/v1/models', headers: { 'x-api-key': KEY_B } });
    expect(wrong.statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/predict', payload: { instance: {} } })).statusCode,
    ).toBe(401);
    expect((await app.inject({ url: '/v1/models', headers: { 'x-api-key': KEY_A } })).statusCode).toBe(200);
    expect(
      (await app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${KEY_A}` } })).statusCode,
    ).toBe(200);
    // the query key is only for EventSource on /v1/stream
    expect((await app.inject(`/v1/models?key=${KEY_A}`)).statusCode).toBe(401);
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/', '/', '/static/dashboard.js']) {
      expect((await app.inject(url)).statusCode, url).toBe(200);
    }
  });

  it('reads STREAMLEARN_API_KEYS (comma-separated) in addition to the config', async () => {
    expect(resolveApiKeys({ apiKeys: [KEY_A] }, { STREAMLEARN_API_KEYS: ` ${KEY_B}, ,${KEY_A}` })).toEqual([
      KEY_A,
      KEY_B,
    ]);
    expect(() => resolveApiKeys({ apiKeys: [] }, { STREAMLEARN_API_KEYS: 'short' })).toThrow(/16 characters/);
    app = await buildApp(
      fakeContext(),
      { rateLimit: { enabled: false } },
      { env: { STREAMLEARN_API_KEYS: KEY_B } },
    );
    expect((await app.inject('/v1/models')).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/models', headers: { 'x-api-key': KEY_B } })).statusCode).toBe(200);
  });

  it('is open in demo mode (no keys) and says so', async () => {
    app = await buildApp(fakeContext(), {}, { env: {} });
    expect(app.apiSecurity).toEqual({ demoMode: true, keys: 0, rateLimiter: 'memory', cors: [] });
    expect((await app.inject('/v1/models')).statusCode).toBe(200);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a key has used its burst, per key', async () => {
    app = await buildApp(
      fakeContext(),
      { apiKeys: [KEY_A, KEY_B], rateLimit: { burst: 3, perSecond: 0.5 } },
      { env: {} },
    );
    const get = (key: string) => app!.inject({ url: '/v1/models', headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expect((await get(KEY_A)).statusCode).toBe(200);
    const limited = await get(KEY_A);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('SL_ERR_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(2);
    expect((await get(KEY_B)).statusCode).toBe(200);
    // probes are never limited
    for (let i = 0; i < 5; i++) expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('limits by client address in demo mode', async () => {
    app = await buildApp(fakeContext(), { rateLimit: { burst: 1, perSecond: 1 } }, { env: {} });
    expect((await app.inject('/v1/models')).statusCode).toBe(200);
    expect((await app.inject('/v1/models')).statusCode).toBe(429);
    expect((await app.inject({ url: '/v1/models', remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
  });

  it('refills at the configured rate (token bucket)', () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ burst: 2, perSecond: 10 }, () => now);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(true);
    const refused = limiter.take('k');
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 100 });
    now = 100;
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
    now = 10_000;
    expect(limiter.take('k')).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
  });

  it('keeps memory bounded under many clients', () => {
    const limiter = new MemoryRateLimiter({ burst: 5, perSecond: 1 }, () => 0);
    for (let i = 0; i < 25_000; i++) limiter.take(`ip:${i}`);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(
      10_000,
    );
  });
});

describe('CORS', () => {
  it('is off unless origins are configured', async () => {
    app = await buildApp(fakeContext(), {}, { env: {} });
    const res = await app.inject({ url: '/v1/models', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows only the configured origins', async () => {
    app = await buildApp(fakeContext(), { corsOrigins: ['https://ok.example'] }, { env: {} });
    const ok = await app.inject({ url: '/v1/models', headers: { origin: 'https://ok.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://ok.example');
    const other = await app.inject({ url: '/v1/models', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/predict',
      headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
  });
});
