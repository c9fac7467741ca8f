import { z } from 'zod';
import { ERROR_CODES } from '../core/errors.js';

/**
 * Request and response shapes of the API, written once in zod (like the config) and turned into
 * JSON Schema for Fastify's validation and the OpenAPI document.
 */

/** A JSON Schema (draft-07) of a zod type, as Fastify and @fastify/swagger take it. */
export function jsonSchema(type: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(type, { target: 'draft-7', io: 'input' }) as Record<
    string,
    unknown
  >;
  return schema;
}

/** A feature value, as events carry them. */
export const fieldValue = z.union([z.number(), z.string().max(10_000), z.boolean(), z.null()]);

/** One instance to predict: feature name → value. */
export const instanceSchema = z.record(z.string().min(1).max(256), fieldValue);

/** `POST /v1/predict`: one `instance` or a batch of `instances` (at most `api.maxBatch`). */
export function predictBodySchema(maxBatch: number) {
  return z
    .object({
      /** Model name; optional when the service has one model. */
      model: z.string().min(1).max(128).optional(),
      instance: instanceSchema.optional(),
      instances: z.array(instanceSchema).min(1).max(maxBatch).optional(),
    })
    .strict();
}

export const predictionSchema = z.object({
  prediction: fieldValue,
  probabilities: z.record(z.string(), z.number()).optional(),
  version: z.number().int(),
});

export const errorSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  message: z.string(),
});

export const rollbackBodySchema = z.object({ version: z.number().int().min(0) }).strict();

/** Query values are strings on the wire; a time (epoch ms or ISO-8601 text) is checked and converted by the route. */
export const timeText = z.string().min(1).max(64).describe('epoch ms or ISO-8601 text');

export const alertsQuerySchema = z
  .object({
    since: timeText.optional(),
    limit: z
      .string()
      .regex(/^\d{1,6}$/)
      .optional(),
  })
  .strict();

export const modelNameParams = z.object({ name: z.string().min(1).max(128) }).strict();

/** The `{code, message}` answer for the given statuses, for route docs. */
export function errorResponses(...statuses: number[]): Record<number, Record<string, unknown>> {
  const out: Record<number, Record<string, unknown>> = {};
  for (const s of statuses) out[s] = { $ref: 'Error#' };
  return out;
}

/** Statuses every protected route may answer. */
export const PROTECTED_ERRORS = [401, 429] as const;
