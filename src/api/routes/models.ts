import type { FastifyPluginAsync } from 'fastify';
import { StreamlearnError } from '../../core/errors.js';
import type { ModelService, ServiceContext } from '../context.js';
import { errorResponses, jsonSchema, modelNameParams, rollbackBodySchema } from '../schemas.js';

const params = jsonSchema(modelNameParams);

/**
 * `GET /v1/models`, `GET /v1/models/:name` (versions, prequential metrics) and
 * `POST /v1/models/:name/rollback {version}` (serves an older version as the newest; history kept).
 */
export const modelRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const service = (): ModelService => {
    if (!ctx.models) throw new StreamlearnError('SL_ERR_NOT_FOUND', 'this service has no online model');
    return ctx.models;
  };

  app.get(
    '/v1/models',
    { schema: { tags: ['models'], summary: 'List the models', response: errorResponses(401, 429) } },
    async () => ({ models: ctx.models ? await ctx.models.list() : [] }),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/models/:name',
    {
      schema: {
        tags: ['models'],
        summary: 'One model: versions and prequential metrics',
        params,
        response: errorResponses(400, 401, 404, 429),
      },
    },
    async (request) => {
      const info = await service().get(request.params.name);
      if (!info) throw new StreamlearnError('SL_ERR_NOT_FOUND', `no model named "${request.params.name}"`);
      return info;
    },
  );

  app.post<{ Params: { name: string }; Body: { version: number } }>(
    '/v1/models/:name/rollback',
    {
      schema: {
        tags: ['models'],
        summary: 'Serve an older version as the newest (history is kept)',
        params,
        body: jsonSchema(rollbackBodySchema),
        response: errorResponses(400, 401, 404, 409, 429),
      },
    },
    async (request) => service().rollback(request.params.name, request.body.version),
  );
};
