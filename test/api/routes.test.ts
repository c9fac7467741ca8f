import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { ServiceContext } from '../../src/api/context.js';
import {
  FakeAlerts,
  FakeDrift,
  FakeModelService,
  RecordingSink,
  fakeContext,
  featureDrift,
} from './fakes.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(ctx: ServiceContext = fakeContext(), config = {}): Promise<FastifyInstance> {
  app = await buildApp(ctx, { rateLimit: { enabled: false }, ...config }, { env: {} });
  return app;
}

describe('health and readiness', () => {
  it('answers /healthz and /readyz with details per dependency', async () => {
    const a = await start(
      fakeContext({
        readiness: async () => ({
          source: { ok: true },
          sink: { ok: false, detail: 'down' },
          checkpoint: { ok: true },
        }),
      }),
    );
    expect((await a.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await a.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'not ready',
      checks: { sink: { ok: false, detail: 'down' } },
    });
  });
});

describe('POST /v1/predict', () => {
  it('predicts one instance with probabilities and the answering version', async () => {
    const a = await start();
    const res = await a.inject({ method: 'POST', url: '/v1/predict', payload: { instance: { x: 5 } } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ model: null, prediction: true, version: 3 });
    expect(body.probabilities.true).toBeGreaterThan(0.5);
    expect(body.probabilities.true + body.probabilities.false).toBeCloseTo(1, 12);
  });

  it('predicts a batch, in order', async () => {
    const a = await start();
    const res = await a.inject({
      method: 'POST',
      url: '/v1/predict',
      payload: {
        model: 'churn',
        instances: [{ x: 5 }, { x: -5 }, { x: 7, tag: 'a', flag: true, gone: null }],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model).toBe('churn');
    expect(body.predictions.map((p: { prediction: unknown }) => p.prediction)).toEqual([true, false, true]);
  });

  it('records the predict latency and count', async () => {
    const ctx = fakeContext();
    const a = await start(ctx);
    await a.inject({ method: 'POST', url: '/v1/predict', payload: { instances: [{ x: 1 }, { x: 2 }] } });
    const text = await ctx.metrics.registry.metrics();
    expect(text).toMatch(/streamlearn_predictions_total\{model="_default"\} 2/);
    expect(text).toMatch(/streamlearn_predict_duration_seconds_count\{model="_default",mode="batch"\} 1/);
  });

  it.each([
    ['neither instance nor instances', {}, 'send exactly one of "instance" or "instances"'],
    [
      'both instance and instances',
      { instance: { x: 1 }, instances: [{ x: 1 }] },
      'send exactly one of "instance" or "instances"',
    ],
    ['an empty batch', { instances: [] }, 'body/instances must NOT have fewer than 1 items'],
    [
      'a nested feature value',
      { instance: { x: { y: 1 } } },
      'body/instance/x must be number, string, boolean or null',
    ],
    [
      'an array feature value',
      { instance: { x: [1] } },
      'body/instance/x must be number, string, boolean or null',
    ],
    ['an unknown field', { instance: { x: 1 }, extra: 1 }, 'body has an unknown property "extra"'],
    ['a non-object instance', { instance: 5 }, 'body/instance must be object'],
    ['a non-object batch item', { instances: [{ x: 1 }, 3] }, 'body/instances/1 must be object'],
  ])('refuses %s with 400 and says what is wrong', async (_what, payload, message) => {
    const a = await start();
    const res = await a.inject({ method: 'POST', url: '/v1/predict', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'SL_ERR_VALIDATION', message });
  });

  it('names an unknown query parameter', async () => {
    const a = await start();
    const res = await a.inject({ method: 'GET', url: '/v1/alerts?severity=high' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'SL_ERR_VALIDATION',
      message: 'querystring has an unknown parameter "severity"',
    });
  });

  it('bounds the batch size', async () => {
    const a = await start(fakeContext(), { maxBatch: 3 });
    const res = await a.inject({
      method: 'POST',
      url: '/v1/predict',
      payload: { instances: [{ x: 1 }, { x: 1 }, { x: 1 }, { x: 1 }] },
    });
    expect(res.statusCode).toBe(400);
  });

  it('answers 404 for an unknown model and when there is no learner', async () => {
    const a = await start();
    const res = await a.inject({
      method: 'POST',
      url: '/v1/predict',
      payload: { model: 'nope', instance: {} },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('SL_ERR_NOT_FOUND');
    await a.close();
    const b = await start(fakeContext({ models: undefined }));
    expect(
      (await b.inject({ method: 'POST', url: '/v1/predict', payload: { instance: {} } })).statusCode,
    ).toBe(404);
  });

  it('refuses non-JSON bodies with 415 and bad JSON with 400', async () => {
    const a = await start();
    const text = await a.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': 'text/csv' },
      payload: 'x\n1',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('SL_ERR_UNSUPPORTED_MEDIA_TYPE');
    const bad = await a.inject({
      method: 'POST',
      url: '/v1/predict',
      headers: { 'content-type': 'application/json' },
      payload: '{"instance": {',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ code: 'SL_ERR_VALIDATION', message: expect.any(String) });
  });

  it('answers 413 for a body over the limit', async () => {
    const a = await start(fakeContext(), { bodyLimit: 1024 });
    const res = await a.inject({
      method: 'POST',
      url: '/v1/predict',
      payload: { instance: { x: 1, pad: 'p'.repeat(2000) } },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('SL_ERR_PAYLOAD_TOO_LARGE');
  });

  it('turns an unexpected model failure into a bare 500', async () => {
    const models = new FakeModelService();
    models.predict = async () => {
      throw new Error('secret internals');
    };
    const a = await start(fakeContext({ models }));
    const res = await a.inject({ method: 'POST', url: '/v1/predict', payload: { instance: { x: 1 } } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: 'SL_ERR_INTERNAL', message: 'internal error' });
  });
});

describe('models', () => {
  it('lists, gets and rolls back', async () => {
    const models = new FakeModelService();
    const a = await start(fakeContext({ models }));
    const list = (await a.inject('/v1/models')).json();
    expect(list.models.map((m: { name: string }) => m.name)).toEqual(['churn']);
    const one = await a.inject('/v1/models/churn');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      name: 'churn',
      version: 3,
      versions: [{ version: 1 }, { version: 2 }, { version: 3 }],
    });
    expect((await a.inject('/v1/models/other')).statusCode).toBe(404);
    const rb = await a.inject({ method: 'POST', url: '/v1/models/churn/rollback', payload: { version: 2 } });
    expect(rb.statusCode).toBe(200);
    expect(rb.json().version).toBe(4);
    expect(models.rollbacks).toEqual([{ name: 'churn', version: 2 }]);
    const bad = await a.inject({
      method: 'POST',
      url: '/v1/models/churn/rollback',
      payload: { version: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    const missing = await a.inject({
      method: 'POST',
      url: '/v1/models/churn/rollback',
      payload: { version: 99 },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('lists nothing without a learner', async () => {
    const a = await start(fakeContext({ models: undefined }));
    expect((await a.inject('/v1/models')).json()).toEqual({ models: [] });
    expect((await a.inject('/v1/models/churn')).statusCode).toBe(404);
  });
});

describe('drift and alerts', () => {
  it('reports scores and states, pins a reference', async () => {
    const drift = new FakeDrift();
    drift.features = [featureDrift('amount', 0.3, 1000), featureDrift('age', 0.01, 1000)];
    const a = await start(fakeContext({ drift }));
    const res = (await a.inject('/v1/drift')).json();
    expect(res.enabled).toBe(true);
    expect(res.summary).toEqual({ driftedShare: 0.5, datasetDrift: true, evaluatedAt: 1000 });
    expect(res.features[0]).toMatchObject({ feature: 'amount', state: 'drift', threshold: { drift: 0.2 } });
    const pin = await a.inject({ method: 'POST', url: '/v1/drift/reference' });
    expect(pin.statusCode).toBe(200);
    expect(drift.pins).toBe(1);
  });

  it('without a monitor: empty scores, 404 on pin', async () => {
    const a = await start(fakeContext({ drift: undefined, alerts: undefined }));
    expect((await a.inject('/v1/drift')).json()).toEqual({ enabled: false, summary: null, features: [] });
    expect((await a.inject({ method: 'POST', url: '/v1/drift/reference' })).statusCode).toBe(404);
    expect((await a.inject('/v1/alerts')).json()).toEqual({ alerts: [] });
  });

  it('lists alerts since a time, bounded', async () => {
    const alerts = new FakeAlerts();
    for (let i = 0; i < 5; i++) alerts.add({ id: `a${i}`, at: i * 1000, feature: 'amount' });
    const a = await start(fakeContext({ alerts }));
    const all = (await a.inject('/v1/alerts')).json().alerts;
    expect(all.map((x: { id: string }) => x.id)).toEqual(['a4', 'a3', 'a2', 'a1', 'a0']);
    const since = (await a.inject('/v1/alerts?since=3000&limit=1')).json().alerts;
    expect(since.map((x: { id: string }) => x.id)).toEqual(['a4']);
    const sinceIso = (await a.inject('/v1/alerts?since=1970-01-01T00:00:03Z')).json().alerts;
    expect(sinceIso.map((x: { id: string }) => x.id)).toEqual(['a4', 'a3']);
    for (const q of [
      'since=abc',
      'since=1.5',
      'since=2026-02-30',
      'limit=-1',
      'limit=0',
      'limit=1001',
      'other=1',
      'since=1&since=2',
    ]) {
      const res = await a.inject(`/v1/alerts?${q}`);
      expect(res.statusCode, q).toBe(400);
    }
    expect((await a.inject('/v1/alerts?limit=0')).json().message).toContain('between 1 and 1000');
    expect((await a.inject('/v1/alerts?limit=1000')).statusCode).toBe(200);
  });
});

describe('windows (typed filters)', () => {
  it('passes typed filters and bounds to the sink', async () => {
    const sink = new RecordingSink([
      { region: 'eu', shard: 1, start: 60_000, retracted: false },
      { retracted: true },
    ]);
    const a = await start(fakeContext({ sink }));
    const res = await a.inject('/v1/windows/by_region?from=0&to=120000&limit=5&region=eu&shard=1');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows).toHaveLength(1);
    expect(sink.queries[0]).toEqual({
      table: 'w_by_region',
      options: { from: 0, to: 120_000, limit: 5, where: { region: 'eu', shard: 1, retracted: false } },
    });
  });
});

describe('pipeline, metrics, docs, errors', () => {
  it('describes the pipeline and its windows', async () => {
    const a = await start();
    const res = (await a.inject('/v1/pipeline')).json();
    expect(res.windows).toEqual(['by_region', 'by_flag']);
    expect(res.windowDetails[0]).toEqual({
      name: 'by_region',
      groupBy: ['region', 'shard'],
      aggregates: ['count', 'sum_amount'],
      timeColumn: 'start',
    });
  });

  it('serves Prometheus metrics including HTTP request metrics', async () => {
    const a = await start();
    await a.inject('/v1/models');
    const res = await a.inject('/metrics');
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(
      /streamlearn_http_requests_total\{method="GET",route="\/v1\/models",status="200"\} 1/,
    );
    expect(res.body).toMatch(/streamlearn_http_request_duration_seconds_bucket/);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const a = await start();
    const doc = await a.inject('/openapi.json');
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/predict',
      '/v1/models',
      '/v1/models/{name}',
      '/v1/models/{name}/rollback',
      '/v1/windows/{name}',
      '/v1/drift',
      '/v1/drift/reference',
      '/v1/alerts',
      '/v1/stream',
      '/healthz',
      '/readyz',
    ]) {
      expect(spec.paths[path], path).toBeDefined();
    }
    expect(spec.info.description).toContain('SL_ERR_RATE_LIMITED');
    expect(spec.components.securitySchemes.apiKey).toMatchObject({ in: 'header', name: 'x-api-key' });
    const page = await a.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers unknown routes with {code, message}', async () => {
    const a = await start();
    const res = await a.inject('/v1/nothing?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'SL_ERR_NOT_FOUND', message: 'no route GET /v1/nothing' });
  });

  it('answers a known path asked with another method 405, naming the methods it takes', async () => {
    const a = await start();
    const res = await a.inject({ method: 'DELETE', url: '/v1/models?x=1' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json()).toEqual({
      code: 'SL_ERR_METHOD_NOT_ALLOWED',
      message: 'DELETE /v1/models: allowed are GET, HEAD',
    });
    // a path with parameters
    const rollback = await a.inject({ method: 'GET', url: '/v1/models/churn/rollback' });
    expect(rollback.statusCode).toBe(405);
    expect(rollback.headers.allow).toBe('POST');
    // an unknown path stays 404 whatever the method
    expect((await a.inject({ method: 'DELETE', url: '/v1/nothing' })).statusCode).toBe(404);
  });

  it('serves the dashboard and uPlot from our own package, with a CSP', async () => {
    const a = await start();
    const page = await a.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('/vendor/uplot/uPlot.iife.min.js');
    expect(page.body).not.toMatch(/https?:\/\//);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const js = await a.inject('/vendor/uplot/uPlot.iife.min.js');
    expect(js.statusCode).toBe(200);
    expect(js.body).toContain('uPlot');
    expect((await a.inject('/static/dashboard.js')).statusCode).toBe(200);
    expect((await a.inject('/vendor/uplot/uPlot.min.css')).statusCode).toBe(200);
  });
});
