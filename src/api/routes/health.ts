import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.js';

/** `/healthz`: the process is alive. `/readyz`: source, sink and checkpoint store answer, per dependency. Both open. */
export const healthRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { tags: ['ops'], summary: 'The process is alive' } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: { tags: ['ops'], summary: 'Source, sink and checkpoint store reachable (503 otherwise)' },
    },
    async (_request, reply) => {
      const checks = await ctx.readiness();
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
};
