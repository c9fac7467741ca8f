import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { StreamlearnError } from '../../core/errors.js';
import type { FieldValue } from '../../core/event.js';
import type { ServiceContext } from '../context.js';
import { errorResponses, jsonSchema, predictBodySchema, predictionSchema } from '../schemas.js';

interface PredictBody {
  model?: string;
  instance?: Record<string, FieldValue>;
  instances?: Record<string, FieldValue>[];
}

/**
 * `POST /v1/predict` — `{model?, instance}` answers `{model, prediction, probabilities?, version}`;
 * `{model?, instances: [...]}` (at most `maxBatch`) answers `{model, predictions: [...]}`.
 * Records the predict latency histogram and the predictions counter (labelled only with names the
 * model service accepted, so user text never creates metric series).
 */
export const predictRoutes: FastifyPluginAsync<{ ctx: ServiceContext; maxBatch: number }> = async (
  app,
  { ctx, maxBatch },
) => {
  const { predictLatency, predictions } = ctx.metrics;
  // Children per model name the service accepted (cached: labels() hashes on every call).
  const children = new Map<
    string,
    { latency: { observe(v: number): void }; count: { inc(n: number): void } }
  >();
  const metricsFor = (model: string, mode: 'single' | 'batch') => {
    const key = `${model}\u0001${mode}`;
    let c = children.get(key);
    if (c === undefined) {
      c = { latency: predictLatency.labels(model, mode), count: predictions.labels(model) };
      if (children.size < 1_000) children.set(key, c);
    }
    return c;
  };
  app.post<{ Body: PredictBody }>(
    '/v1/predict',
    {
      schema: {
        tags: ['models'],
        summary: 'Predict one instance or a batch',
        body: jsonSchema(predictBodySchema(maxBatch)),
        response: {
          200: jsonSchema(
            z.union([
              predictionSchema.extend({ model: z.string().nullable() }),
              z.object({ model: z.string().nullable(), predictions: z.array(predictionSchema) }),
            ]),
          ),
          ...errorResponses(400, 401, 404, 413, 429, 503),
        },
      },
    },
    async (request) => {
      const models = ctx.models;
      if (!models) throw new StreamlearnError('SL_ERR_NOT_FOUND', 'this service has no online model');
      const { model, instance, instances } = request.body;
      if ((instance === undefined) === (instances === undefined))
        throw new StreamlearnError('SL_ERR_VALIDATION', 'send exactly one of "instance" or "instances"');
      const batch = instances ?? [instance!];
      const started = performance.now();
      const results = await models.predict(model, batch);
      const seconds = (performance.now() - started) / 1000;
      if (results.length !== batch.length)
        throw new StreamlearnError(
          'SL_ERR_INTERNAL',
          `the model service answered ${results.length} predictions for ${batch.length} instances`,
        );
      const label = model ?? '_default';
      const m = metricsFor(label, instances ? 'batch' : 'single');
      m.latency.observe(seconds);
      m.count.inc(batch.length);
      if (instances) return { model: model ?? null, predictions: results };
      return { model: model ?? null, ...results[0]! };
    },
  );
};
