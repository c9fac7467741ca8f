import type { FastifyPluginAsync } from 'fastify';
import { StreamlearnError } from '../../core/errors.js';
import type { ServiceContext } from '../context.js';
import { alertsQuerySchema, errorResponses, jsonSchema } from '../schemas.js';
import { timeParam } from '../time-param.js';

const MAX_ALERTS = 1_000;

/**
 * `GET /v1/drift` (per-feature scores and states, dataset summary), `POST /v1/drift/reference`
 * (pin the current window as the reference) and `GET /v1/alerts?since=&limit=` (newest first).
 */
export const driftRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/drift',
    {
      schema: {
        tags: ['drift'],
        summary: 'Drift score and state per feature',
        response: errorResponses(401, 429),
      },
    },
    async () => {
      const drift = ctx.drift;
      if (!drift) return { enabled: false, summary: null, features: [] };
      return { enabled: true, summary: drift.summary(), features: drift.scores() };
    },
  );

  app.post(
    '/v1/drift/reference',
    {
      schema: {
        tags: ['drift'],
        summary: 'Pin the current window as the new reference',
        response: errorResponses(401, 404, 429, 503),
      },
    },
    async () => {
      if (!ctx.drift) throw new StreamlearnError('SL_ERR_NOT_FOUND', 'this service has no drift monitor');
      await ctx.drift.pinReference();
      return { pinned: true, at: Date.now() };
    },
  );

  app.get<{ Querystring: { since?: string; limit?: string } }>(
    '/v1/alerts',
    {
      schema: {
        tags: ['drift'],
        summary: 'Alerts raised at or after `since` (event time: epoch ms or ISO-8601 text), newest first',
        querystring: jsonSchema(alertsQuerySchema),
        response: errorResponses(400, 401, 429),
      },
    },
    async (request) => {
      const { since, limit } = request.query;
      const n = limit === undefined ? 100 : Number(limit);
      // as /v1/windows: an out-of-range limit is the caller's mistake, not something to clamp silently
      if (n < 1 || n > MAX_ALERTS)
        throw new StreamlearnError('SL_ERR_VALIDATION', `"limit" must be between 1 and ${MAX_ALERTS}`);
      const from = since === undefined ? undefined : timeParam('since', since);
      if (!ctx.alerts) return { alerts: [] };
      return { alerts: await ctx.alerts.list(from, n) };
    },
  );
};
