import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiSchema, resolveApiKeys, type ApiConfigInput } from '../core/config/api.js';
import type { ServiceContext } from './context.js';
import { answerClientError, answerFrameworkError, installErrorHandler } from './errors.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { installDocs } from './routes/docs.js';
import { driftRoutes } from './routes/drift.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelRoutes } from './routes/models.js';
import { pipelineRoutes } from './routes/pipeline.js';
import { predictRoutes } from './routes/predict.js';
import { streamRoutes } from './routes/stream.js';
import { windowRoutes } from './routes/windows.js';
import { installSecurity } from './security.js';

export interface AppOptions {
  /** Fastify's logger: false (default), true, or pino options / a pino instance. */
  logger?: boolean | object;
  /**
   * The rate limiter; by default built from `config.rateLimit` (Redis when it has a `redisUrl`) and
   * closed with the app. Pass one to share it (it is then not closed), or null for none.
   */
  rateLimiter?: RateLimiter | null;
  /** Where STREAMLEARN_API_KEYS is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Version shown in the OpenAPI document. */
  version?: string;
}

/** What the app decided about security, for the start-up log (demo mode must be said loudly). */
export interface ApiSecurityInfo {
  /** No API keys: anyone who can reach the port may call every route. */
  demoMode: boolean;
  keys: number;
  rateLimiter: string | null;
  cors: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    apiSecurity: ApiSecurityInfo;
  }
}

/**
 * The HTTP API: one plugin per resource, errors as `{code, message}`, API keys and per-key rate
 * limits on everything but health probes, docs and the dashboard's static files; HTTP metrics on
 * every answered request. Tests drive it with `app.inject()`.
 */
export async function buildApp(
  ctx: ServiceContext,
  apiConfig: ApiConfigInput = {},
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const config = apiSchema.parse(apiConfig);
  const keys = resolveApiKeys(config, options.env ?? process.env);
  const app = Fastify({
    logger: (options.logger ?? false) as boolean,
    bodyLimit: config.bodyLimit,
    // Unknown body and query fields are errors (400), not silently dropped; query numbers coerce.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // what Fastify and Node refuse before routing answers `{code, message}` like every other error
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  // Response schemas document the API; answers are plain JSON.stringify, so no field is ever dropped.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);

  let limiter: RateLimiter | null;
  if (options.rateLimiter !== undefined) limiter = options.rateLimiter;
  else {
    limiter = createRateLimiter(config.rateLimit, (err) =>
      app.log.warn({ err }, 'rate limiter unavailable: allowing the request'),
    );
    const owned = limiter;
    if (owned) app.addHook('onClose', () => owned.close());
  }
  app.decorate('apiSecurity', {
    demoMode: keys.length === 0,
    keys: keys.length,
    rateLimiter: limiter?.kind ?? null,
    cors: config.corsOrigins,
  } satisfies ApiSecurityInfo);

  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'last-event-id'],
      maxAge: 600,
      // an OPTIONS without Origin or Access-Control-Request-Method is no preflight: 204, not a
      // text/plain 400 outside our error format (CORS headers still go only to allowed origins)
      strictPreflight: false,
    });
  }
  installSecurity(app, { keys, limiter });
  installHttpMetrics(app, ctx);
  if (config.docs) await installDocs(app, { version: options.version ?? '0.1.0' });

  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await app.register(pipelineRoutes, { ctx });
  await app.register(predictRoutes, { ctx, maxBatch: config.maxBatch });
  await app.register(modelRoutes, { ctx });
  await app.register(windowRoutes, { ctx });
  await app.register(driftRoutes, { ctx });
  await app.register(streamRoutes, { ctx });
  if (config.dashboard) await app.register(dashboardRoutes);
  return app;
}

/**
 * `streamlearn_http_requests_total` and `…_duration_seconds`, labelled by route pattern (bounded).
 * Label children are cached per (method, route, status): prom-client hashes labels on every
 * `labels()` call, which is measurable at tens of thousands of requests per second.
 */
function installHttpMetrics(app: FastifyInstance, ctx: ServiceContext): void {
  const { httpRequests, httpDuration } = ctx.metrics;
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route}`;
    const status = reply.statusCode;
    const counterKey = `${key} ${status}`;
    let counter = counters.get(counterKey);
    if (counter === undefined) {
      counter = httpRequests.labels(request.method, route, String(status));
      counters.set(counterKey, counter);
    }
    let timer = timers.get(key);
    if (timer === undefined) {
      timer = httpDuration.labels(request.method, route);
      timers.set(key, timer);
    }
    counter.inc();
    timer.observe(reply.elapsedTime / 1000);
    done();
  });
}
