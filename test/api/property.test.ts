import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { KEY_A, fakeContext } from './fakes.js';

/**
 * Property tests of the API's input handling, route by route. Every route the app registers must
 * have a fuzzer below (the first test enumerates them from the app and fails on one without), so a
 * new route cannot be forgotten. For every generated request: no 5xx; every error is JSON
 * `{code, message}` with a documented code whose status is the answer's; the app still answers.
 */

const BODY_LIMIT = 4_096;
const ORIGIN = 'https://dashboard.example';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'SEARCH', 'PROPFIND'];

/** One request; `via: 'http'` goes over a real socket (the SSE stream never ends an inject). */
interface Case {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
  via?: 'http';
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * Routes as Fastify registers them, collected by an `onRoute` hook on every instance `buildApp`
 * creates (the hook must be there before the first route; printRoutes() folds wildcards into
 * their parent's prefix, so it cannot be parsed back into URLs).
 */
const seen = vi.hoisted(() => [] as { url: string; methods: string[] }[]);
vi.mock('fastify', async (importOriginal) => {
  const real = await importOriginal<typeof import('fastify')>();
  const withHook = ((opts: never) => {
    const app = real.default(opts);
    app.addHook('onRoute', (route) => {
      seen.push({ url: route.url, methods: [route.method].flat().map(String) });
    });
    return app;
  }) as unknown as typeof real.default;
  return { ...real, default: withHook, fastify: withHook };
});

/** url → methods of every route `open` registered, as its `onRoute` hook saw them. */
let openRoutes: Map<string, string[]>;
let open: FastifyInstance; // demo mode: no keys
let keyed: FastifyInstance; // one API key, on a real port for the stream
let port: number;
let keyedCtx: ReturnType<typeof fakeContext>;

beforeAll(async () => {
  const api = { rateLimit: { enabled: false }, maxBatch: 50, bodyLimit: BODY_LIMIT, corsOrigins: [ORIGIN] };
  seen.length = 0;
  open = await buildApp(fakeContext(), api, { env: {} });
  openRoutes = new Map();
  for (const { url, methods } of seen)
    openRoutes.set(url, [...new Set([...(openRoutes.get(url) ?? []), ...methods])].sort());
  keyedCtx = fakeContext();
  keyed = await buildApp(keyedCtx, { ...api, apiKeys: [KEY_A] }, { env: {} });
  await keyed.listen({ host: '127.0.0.1', port: 0 });
  port = (keyed.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await open.close();
  await keyed.close();
});

// ── generators ──────────────────────────────────────────────────────────────

/** Percent-encodes the UTF-8 bytes of any string (lone surrogates included, where encodeURIComponent throws). */
function pct(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('from', 'to', 'limit', 'since', 'region', 'shard', 'flag', 'amount', 'types', 'key'),
  fc.constantFrom('__proto__', 'constructor', 'lastEventId', "' OR 1=1 --", '-1', '1e400', 'NaN'),
  fc.constantFrom('9007199254740993', 'true', '', ' ', 'drift,alert', 'a'.repeat(2_000)),
);
/** Already-encoded pieces, some malformed on purpose. */
const rawPiece = fc.constantFrom(
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%FF',
  '%00',
  '%2F',
  '%2e%2e',
  '%252F',
  '%u0041',
);
/** A path segment: encoded text, a malformed escape, raw Unicode, traversal or an over-long name. */
const segment = fc.oneof(
  text.map(pct),
  rawPiece,
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  fc.constantFrom('churn', 'by_region', 'by_flag', '..', '.', '%2e%2e%2f%2e%2e', 'é', '😀', '\u00a0'),
  fc.integer({ min: 90, max: 400 }).map((n) => 'x'.repeat(n)),
);
/** A query string: encoded pairs, repeated keys, or raw (possibly malformed) text. */
const query = fc.oneof(
  fc
    .array(fc.tuple(text, text), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`)),
  fc.array(fc.oneof(rawPiece, fc.string({ unit: 'grapheme-ascii', maxLength: 12 })), { maxLength: 4 }),
  fc.constant<string[]>(['limit=1', 'limit=2']),
);
const withQuery = (path: string, q: string[]): string =>
  q.length === 0 ? path : `${path}?${q.join('&').replace(/[#\s]/g, (c) => pct(c))}`;

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .record(
      {
        model: fc.oneof(fc.string({ maxLength: 10 }), fc.constant('churn')),
        instance: fc.dictionary(
          text,
          fc.oneof(fc.double(), fc.integer(), text, fc.boolean(), fc.constant(null)),
          {
            maxKeys: 5,
          },
        ),
        instances: fc.array(fc.dictionary(fc.string({ maxLength: 4 }), fc.double(), { maxKeys: 3 }), {
          maxLength: 60,
        }),
        version: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double(), fc.string()),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', '{', '{"instance":', '[]', 'null', '{"__proto__":{"x":1}}', '{"version":1e400}'),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'Application/JSON',
  'application/jsonx',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
  '*/*',
  ';;;',
);
/** Header values a client can send (visible ASCII and Latin-1, no CR/LF). */
const headerValue = fc.oneof(
  fc.string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
      .map((c) => String.fromCharCode(c)),
    maxLength: 40,
  }),
  fc.constantFrom(KEY_A, `Bearer ${KEY_A}`, 'Bearer ', 'Basic eA==', `${KEY_A} `, KEY_A.toUpperCase()),
);
const authHeaders = fc.record(
  { 'x-api-key': headerValue, authorization: headerValue, 'last-event-id': headerValue, origin: headerValue },
  { requiredKeys: [] },
);

// ── the fuzzers, one per registered route ───────────────────────────────────

type Fuzzer = (methods: string[]) => fc.Arbitrary<Case>;

const getWithQuery =
  (path: string): Fuzzer =>
  (methods) =>
    fc.record({ method: fc.constantFrom(...methods), url: query.map((q) => withQuery(path, q)) });
const getWithSegment =
  (prefix: string, suffix = ''): Fuzzer =>
  (methods) =>
    fc.record({
      method: fc.constantFrom(...methods),
      url: fc.tuple(segment, query).map(([s, q]) => withQuery(`${prefix}${s}${suffix}`, q)),
    });
const postBody =
  (path: (seg: string) => string): Fuzzer =>
  (methods) =>
    fc.record({
      method: fc.constantFrom(...methods),
      url: segment.map(path),
      headers: contentType.map((t) => (t === '' ? ({} as Record<string, string>) : { 'content-type': t })),
      payload: jsonBody,
    });

/** Keyed by the route's URL as Fastify reports it; the methods come from the app. */
const FUZZERS: Record<string, Fuzzer> = {
  '/': getWithQuery('/'),
  '/static/dashboard.js': getWithQuery('/static/dashboard.js'),
  '/static/dashboard.css': getWithQuery('/static/dashboard.css'),
  '/vendor/uplot/uPlot.iife.min.js': getWithQuery('/vendor/uplot/uPlot.iife.min.js'),
  '/vendor/uplot/uPlot.min.css': getWithQuery('/vendor/uplot/uPlot.min.css'),
  '/docs': getWithQuery('/docs'),
  '/docs/': getWithQuery('/docs/'),
  '/docs/static/index.html': getWithQuery('/docs/static/index.html'),
  '/docs/static/swagger-initializer.js': getWithQuery('/docs/static/swagger-initializer.js'),
  '/docs/json': getWithQuery('/docs/json'),
  '/docs/yaml': getWithQuery('/docs/yaml'),
  '/docs/static/*': getWithSegment('/docs/static/'),
  '/openapi.json': getWithQuery('/openapi.json'),
  '/healthz': getWithQuery('/healthz'),
  '/readyz': getWithQuery('/readyz'),
  '/metrics': getWithQuery('/metrics'),
  '/v1/pipeline': getWithQuery('/v1/pipeline'),
  '/v1/models': getWithQuery('/v1/models'),
  '/v1/models/:name': getWithSegment('/v1/models/'),
  '/v1/windows/:name': getWithSegment('/v1/windows/'),
  '/v1/drift': getWithQuery('/v1/drift'),
  '/v1/alerts': getWithQuery('/v1/alerts'),
  '/v1/predict': postBody(() => '/v1/predict'),
  '/v1/models/:name/rollback': postBody((s) => `/v1/models/${s}/rollback`),
  '/v1/drift/reference': postBody(() => '/v1/drift/reference'),
  // EventSource: query parameters (lastEventId, types, key) and the Last-Event-ID header, on a socket
  '/v1/stream': (methods) =>
    fc.record({
      method: fc.constantFrom(...methods),
      url: fc
        .record(
          {
            lastEventId: fc.oneof(fc.nat().map(String), text),
            types: fc.oneof(
              fc.constantFrom('drift', 'alert,drift', 'window,metrics,throughput', 'x,,y'),
              text,
            ),
            key: fc.oneof(fc.constant(KEY_A), text),
          },
          { requiredKeys: [] },
        )
        .chain((known) =>
          query.map((extra) =>
            withQuery('/v1/stream', [...Object.entries(known).map(([k, v]) => `${k}=${pct(v)}`), ...extra]),
          ),
        ),
      headers: authHeaders,
      via: fc.constant('http' as const),
    }),
  // CORS preflight on any path
  '*': (methods) =>
    fc.record({
      method: fc.constantFrom(...methods),
      url: segment.map((s) => `/${s}`),
      headers: fc.record(
        {
          origin: fc.oneof(fc.constant(ORIGIN), headerValue),
          'access-control-request-method': fc.oneof(fc.constantFrom(...METHODS), headerValue),
          'access-control-request-headers': headerValue,
        },
        { requiredKeys: [] },
      ),
    }),
};

// ── running and checking a case ─────────────────────────────────────────────

async function inject(app: FastifyInstance, c: Case): Promise<Answer> {
  const res = await app.inject({
    method: c.method as HTTPMethods,
    url: c.url,
    headers: c.headers ?? {},
    ...(c.payload === undefined ? {} : { payload: c.payload }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

/** Over a socket: an event stream is closed once its headers are in; anything else is read to the end. */
function overHttp(c: Case): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: c.method, path: c.url, headers: c.headers },
      (res) => {
        const answer = (body: string) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          req.destroy();
          return answer('');
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => answer(body));
      },
    );
    req.on('error', reject);
    req.end(c.payload);
  });
}

function run(app: FastifyInstance, c: Case): Promise<Answer> {
  return c.via === 'http' ? overHttp(c) : inject(app, c);
}

/** No 5xx; an error is `{code, message}` JSON with a documented code of that status (HEAD: no body). */
function checkAnswer(a: Answer, c: Case): void {
  const what = `${c.method} ${c.url} ${JSON.stringify(c.headers ?? {})} ${c.payload?.slice(0, 200) ?? ''}`;
  expect(a.status, what).toBeLessThan(500);
  if (a.status < 400) return;
  expect(String(a.headers['content-type']), what).toMatch(/^application\/json/);
  if (c.method === 'HEAD') return;
  const body = JSON.parse(a.body) as Record<string, unknown>;
  expect(Object.keys(body).sort(), what).toEqual(['code', 'message']);
  expect(Object.keys(ERROR_CODES), what).toContain(body.code);
  expect(ERROR_CODES[body.code as keyof typeof ERROR_CODES].status, what).toBe(a.status);
  expect(typeof body.message, what).toBe('string');
}

async function stillAnswers(app: FastifyInstance): Promise<void> {
  expect((await app.inject('/healthz')).statusCode).toBe(200);
}

function fuzzerFor(url: string, methods: string[]): fc.Arbitrary<Case> {
  const fuzzer = FUZZERS[url];
  if (!fuzzer) throw new Error(`route ${url} has no fuzzer`);
  return fuzzer(methods);
}

// ── the properties ──────────────────────────────────────────────────────────

describe('every registered route is fuzzed', () => {
  it('has a fuzzer for each route the app registers, and none for a route it does not', () => {
    const routes = openRoutes;
    expect(routes.size).toBeGreaterThan(20);
    expect([...routes.keys()].sort()).toEqual(Object.keys(FUZZERS).sort());
  });
});

describe('random input never breaks the API', () => {
  it('each route with its own random paths, queries, headers and bodies', async () => {
    const routes = [...openRoutes];
    const anyRoute = fc.oneof(...routes.map(([url, methods]) => fuzzerFor(url, methods)));
    await fc.assert(
      fc.asyncProperty(anyRoute, fc.boolean(), async (c, useKeyed) => {
        // the socket cases need the listening (keyed) app
        const app = useKeyed || c.via === 'http' ? keyed : open;
        checkAnswer(await run(app, c), c);
        await stillAnswers(app);
      }),
      // a request that never gets an answer fails as a counterexample, not as a test timeout
      { numRuns: 1_000, timeout: 10_000 },
    );
  }, 120_000);

  it('every route, each of its methods, once', async () => {
    for (const [url, methods] of openRoutes)
      for (const method of methods) {
        const c = fc.sample(fuzzerFor(url, [method]), { numRuns: 1, seed: 7 })[0]!;
        for (const app of c.via === 'http' ? [keyed] : [open, keyed]) {
          checkAnswer(await run(app, c), c);
          await stillAnswers(app);
        }
      }
  });

  it('any method on every path, with API key headers and content types', async () => {
    // a concrete path per route: the parameter a known name, a wildcard a real file
    const paths = [...openRoutes.keys()].map((u) =>
      u === '*' ? '/x' : u.replace(':name', 'churn').replace('*', 'index.css'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom(...METHODS.filter((m) => m !== 'GET' && m !== 'HEAD')),
        authHeaders,
        contentType,
        fc.option(jsonBody, { nil: undefined }),
        async (url, method, auth, type, payload) => {
          const c: Case = {
            method,
            url,
            headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
            payload,
          };
          for (const app of [open, keyed]) {
            checkAnswer(await run(app, c), c);
            await stillAnswers(app);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bodies above the limit and content-length mismatches on every POST route', async () => {
    const posts = [...openRoutes].filter(([, m]) => m.includes('POST')).map(([u]) => u);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...posts),
        fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 8 }),
        fc.integer({ min: -50, max: 50 }),
        fc.constantFrom('application/json', 'text/plain'),
        async (route, size, skew, type) => {
          const url = route.replace(':name', 'churn');
          const headers = { 'content-type': type, 'x-api-key': KEY_A };
          const huge = `{"instance":{"x":"${'a'.repeat(size)}"}}`;
          const big: Case = { method: 'POST', url, headers, payload: huge };
          const bigAnswer = await run(keyed, big);
          checkAnswer(bigAnswer, big);
          expect(bigAnswer.status).toBe(413);
          const small = JSON.stringify({ version: 1, instance: { x: 1 } });
          const declared = String(Math.max(0, small.length + skew));
          const mismatch: Case = {
            method: 'POST',
            url,
            headers: { ...headers, 'content-length': declared },
            payload: small,
          };
          checkAnswer(await run(keyed, mismatch), mismatch);
          await stillAnswers(keyed);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('malformed requests on a socket: unparsable bytes, bad escapes, content-length mismatch', async () => {
    const lines = fc.record({
      method: fc.constantFrom('GET', 'POST', 'G E T', 'get', ''),
      path: fc.oneof(
        segment.map((s) => `/v1/windows/${s}`),
        rawPiece.map((p) => `/v1/${p}`),
        fc.constant('*'),
      ),
      declared: fc.integer({ min: 0, max: 40 }),
      body: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
      header: fc.constantFrom(
        '',
        'x-api-key: \x01\r\n',
        'bad header\r\n',
        `x-big: ${'a'.repeat(20_000)}\r\n`,
      ),
    });
    await fc.assert(
      fc.asyncProperty(lines, async ({ method, path, declared, body, header }) => {
        const head = `${method} ${path} HTTP/1.1\r\nhost: x\r\n${header}content-type: application/json\r\n`;
        const raw = `${head}content-length: ${Math.min(declared, body.length)}\r\n\r\n${body}`;
        for (const answer of await rawExchange(raw))
          checkAnswer(answer, { method, url: path, payload: body });
        await stillAnswers(keyed);
      }),
      { numRuns: 150 },
    );
  });

  it('closes every live-stream connection it opened', async () => {
    await expect.poll(async () => (await keyedCtx.metrics.sseClients.get()).values[0]?.value ?? 0).toBe(0);
  });
});

/**
 * Writes raw bytes, half-closes, and parses every response the server sends before it closes
 * (bytes past a short `content-length` are read as a next request, which the server must refuse).
 */
function rawExchange(raw: string): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) =>
      (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err),
    );
    socket.on('close', () => resolve(parseResponses(Buffer.concat(chunks).toString('latin1'))));
    socket.end(Buffer.from(raw, 'latin1'));
  });
}

function parseResponses(text: string): Answer[] {
  const answers: Answer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [status, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of headerLines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    // `rest` is latin1, one character per byte, so content-length counts characters here
    const length = Number(headers['content-length'] ?? 0);
    const body = Buffer.from(rest.slice(headEnd + 4, headEnd + 4 + length), 'latin1').toString('utf8');
    answers.push({ status: Number(status!.split(' ')[1]), headers, body });
    rest = rest.slice(headEnd + 4 + length);
  }
  return answers;
}
