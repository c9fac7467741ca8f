import { z } from 'zod';
import { StreamlearnError } from '../errors.js';
import { redisUrl } from './common.js';

/** Environment variable holding API keys, comma-separated; they add to `api.apiKeys`. */
export const API_KEYS_ENV = 'STREAMLEARN_API_KEYS';

/**
 * Per-key token buckets: `burst` requests at once, refilled at `perSecond`. With `redisUrl` every
 * instance shares the buckets (one atomic Lua script per request); otherwise each process counts alone.
 */
export const rateLimitSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Bucket size: requests a key may send at once. */
    burst: z.number().int().positive().default(200),
    /** Tokens added per second. */
    perSecond: z.number().positive().default(100),
    /** Shared buckets in Redis (e.g. `redis://127.0.0.1:6379`); unset = in memory. */
    redisUrl: redisUrl.optional(),
  })
  .strict();

export const apiSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** API keys (also from STREAMLEARN_API_KEYS); none = local-only demo mode (said loudly at start). */
    apiKeys: z.array(z.string().min(16)).default([]),
    /** Largest request body accepted, in bytes. */
    bodyLimit: z.number().int().positive().default(1_048_576),
    /** Most instances in one `POST /v1/predict`. */
    maxBatch: z.number().int().positive().max(100_000).default(1_000),
    rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
    /** Origins allowed by CORS (`*` for any); empty = CORS off. */
    corsOrigins: z.array(z.string().min(1)).default([]),
    /** Serve the OpenAPI document (`/openapi.json`) and its page (`/docs`). */
    docs: z.boolean().default(true),
    /** Serve the live dashboard at `/`. */
    dashboard: z.boolean().default(true),
    /** Events kept by the live feed for `Last-Event-ID` replays. */
    liveBuffer: z.number().int().positive().max(1_000_000).default(2_000),
  })
  .strict();

export type ApiConfig = z.output<typeof apiSchema>;
export type ApiConfigInput = z.input<typeof apiSchema>;
export type RateLimitConfig = z.output<typeof rateLimitSchema>;

/**
 * The API keys in force: the config's plus STREAMLEARN_API_KEYS (comma-separated, blanks ignored).
 * Keys shorter than 16 characters are refused, as in the config file.
 */
export function resolveApiKeys(config: Pick<ApiConfig, 'apiKeys'>, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = (env[API_KEYS_ENV] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (fromEnv.some((k) => k.length < 16))
    throw new StreamlearnError('SL_ERR_CONFIG', `${API_KEYS_ENV}: every key needs at least 16 characters`);
  return [...new Set([...config.apiKeys, ...fromEnv])];
}
