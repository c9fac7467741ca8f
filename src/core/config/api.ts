import { z } from 'zod';

export const apiSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** API keys; none = local-only demo mode (said loudly at start). */
    apiKeys: z.array(z.string().min(16)).default([]),
    /** Largest request body accepted, in bytes. */
    bodyLimit: z.number().int().positive().default(1_048_576),
  })
  .strict();

export type ApiConfig = z.output<typeof apiSchema>;
