import type { FastifyPluginAsync } from 'fastify';
import type { ServiceContext } from '../context.js';

/**
 * `GET /v1/pipeline` — the pipeline's name, its windows (with group-by fields and aggregate
 * columns, for the dashboard's window chart) and its running stats.
 */
export const pipelineRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/pipeline',
    { schema: { tags: ['ops'], summary: 'Pipeline, windows and running stats' } },
    async () => ({
      pipeline: ctx.pipeline,
      windows: ctx.windows.map((w) => w.spec.name),
      windowDetails: ctx.windows.map((w) => ({
        name: w.spec.name,
        groupBy: w.spec.groupBy,
        aggregates: w.spec.columns.map((c) => c.column),
        timeColumn: w.table.timeColumn,
      })),
      stats: ctx.stats(),
    }),
  );
};
