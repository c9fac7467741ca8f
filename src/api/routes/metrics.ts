import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.js';

/** `GET /metrics` in Prometheus text format (needs the API key when keys are configured). */
export const metricsRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/metrics',
    { schema: { tags: ['ops'], summary: 'Prometheus metrics' } },
    async (_request, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );
};
