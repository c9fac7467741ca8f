import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.js';

/** `/healthz`: the process is alive. `/readyz`: source, sink and checkpoint store answer, per dependency. */
export const healthRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await ctx.readiness();
    const ready = Object.values(checks).every((c) => c.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
};
