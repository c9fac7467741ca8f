import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { fakeContext } from './fakes.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp(fakeContext(), { rateLimit: { enabled: false }, maxBatch: 50 }, { env: {} });
});
afterAll(() => app.close());

const GET_ROUTES = [
  '/v1/windows/by_region',
  '/v1/windows/by_flag',
  '/v1/windows/{any}',
  '/v1/models',
  '/v1/models/{any}',
  '/v1/drift',
  '/v1/alerts',
  '/v1/pipeline',
  '/healthz',
  '/readyz',
];
const POST_ROUTES = [
  '/v1/predict',
  '/v1/models/{any}/rollback',
  '/v1/models/churn/rollback',
  '/v1/drift/reference',
];

const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    'from',
    'to',
    'limit',
    'since',
    'region',
    'shard',
    'flag',
    'amount',
    '__proto__',
    'constructor',
  ),
  fc.constantFrom("' OR 1=1 --", '-1', '1e400', 'NaN', '9007199254740993', 'true', '', '%', '%zz'),
);
const query = fc.array(fc.tuple(text, text), { maxLength: 6 });
const segment = fc.oneof(text, fc.constantFrom('churn', 'by_region', '..', '%2e%2e'));

/** Every answer is < 500 and errors are `{code, message}`. */
function checkAnswer(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, what).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = res.json();
    expect(Object.keys(body).sort(), what).toEqual(['code', 'message']);
    expect(body.code, what).toMatch(/^SL_ERR_/);
  }
}

function url(route: string, seg: string, q: [string, string][]): string {
  const path = route.replace('{any}', encodeURIComponent(seg));
  const qs = q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return qs ? `${path}?${qs}` : path;
}

describe('every route survives random input (never a 500)', () => {
  it('GET routes with random paths and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GET_ROUTES), segment, query, async (route, seg, q) => {
        const u = url(route, seg, q);
        checkAnswer(await app.inject(u), u);
      }),
      { numRuns: 400 },
    );
  });

  it('GET routes with raw (possibly malformed) query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GET_ROUTES),
        fc.string({ unit: 'binary', maxLength: 40 }),
        async (route, raw) => {
          const u = `${route.replace('{any}', 'x')}?${encodeURI(raw).replace(/#/g, '%23')}`;
          checkAnswer(await app.inject(u), u);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('POST routes with random JSON bodies', async () => {
    const instance = fc.dictionary(
      fc.string({ maxLength: 8 }),
      fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null)),
      { maxKeys: 5 },
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ instance }, { requiredKeys: [] }),
      fc.record(
        { model: fc.string({ maxLength: 10 }), instances: fc.array(instance, { maxLength: 60 }) },
        { requiredKeys: [] },
      ),
      fc.record({ version: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), segment, body, async (route, seg, payload) => {
        const u = url(route, seg, []);
        const res = await app.inject({
          method: 'POST',
          url: u,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload) ?? 'null',
        });
        checkAnswer(res, `${u} ${JSON.stringify(payload)}`);
      }),
      { numRuns: 400 },
    );
  });

  it('POST routes with random raw bodies and content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POST_ROUTES),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
        ),
        async (route, raw, type) => {
          const u = url(route, 'churn', []);
          checkAnswer(
            await app.inject({ method: 'POST', url: u, headers: { 'content-type': type }, payload: raw }),
            `${u} ${raw}`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
