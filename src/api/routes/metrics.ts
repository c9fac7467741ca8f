import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.js';

/** `GET /metrics` in Prometheus text format. */
export const metricsRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
};
