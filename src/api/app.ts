import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiConfig } from '../core/config/index.js';
import type { ServiceContext } from './context.js';
import { installErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { windowRoutes } from './routes/windows.js';

/** The HTTP API: one plugin per resource. Tests drive it with `app.inject()`. */
export async function buildApp(
  ctx: ServiceContext,
  config: Pick<ApiConfig, 'bodyLimit'>,
  logger: boolean | object = false,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: logger as boolean, bodyLimit: config.bodyLimit });
  installErrorHandler(app);
  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await app.register(windowRoutes, { ctx });
  app.get('/v1/pipeline', async () => ({
    pipeline: ctx.pipeline,
    windows: ctx.windows.map((w) => w.spec.name),
    stats: ctx.stats(),
  }));
  return app;
}
