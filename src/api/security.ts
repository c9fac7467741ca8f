import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamlearnError } from '../core/errors.js';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open route: no API key, no rate limit (health probes, docs, the dashboard's static files). */
    public?: boolean;
    /** The key may also come as `?key=` (EventSource cannot send headers). */
    keyInQuery?: boolean;
  }
}

export interface SecurityOptions {
  /** Accepted API keys; empty = demo mode (no key needed, limits per client address). */
  keys: readonly string[];
  limiter: RateLimiter | null;
}

/** SHA-256 of a key: buckets and comparisons never hold the key itself. */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

/**
 * API keys and rate limits for every route not marked `config.public`. A key comes as
 * `x-api-key: <key>` or `authorization: Bearer <key>`. Keys are compared by their SHA-256 in a Set:
 * no early-exit string comparison on the secret, and no secret in the rate-limit buckets.
 * Refused requests answer 401 SL_ERR_UNAUTHORIZED or 429 SL_ERR_RATE_LIMITED with `Retry-After`.
 */
export function installSecurity(app: FastifyInstance, { keys, limiter }: SecurityOptions): void {
  const accepted = new Set(keys.map(keyId));
  // Hashing is the bulk of the check: remember the ids of accepted keys (a bounded set, the
  // configured ones), never of refused ones (an attacker could fill the cache).
  const known = new Map<string, string>();
  const demo = accepted.size === 0;
  if (demo && limiter === null) return;

  const refuse = (reply: FastifyReply, retryAfterMs: number): Error => {
    reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    return new StreamlearnError('SL_ERR_RATE_LIMITED', 'rate limit exceeded: slow down and retry later');
  };

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const config = request.routeOptions.config;
    // CORS preflights carry no credentials by design; @fastify/cors answers them.
    if (config?.public === true || request.method === 'OPTIONS') return done();
    let client: string;
    if (demo) {
      client = `ip:${request.ip}`;
    } else {
      const key = presentedKey(request, config?.keyInQuery === true);
      const id = key === undefined ? undefined : (known.get(key) ?? keyId(key));
      if (id === undefined || !accepted.has(id)) {
        reply.header('www-authenticate', 'Bearer realm="streamlearn"');
        return done(
          new StreamlearnError(
            'SL_ERR_UNAUTHORIZED',
            key === undefined
              ? 'an API key is required (header x-api-key or authorization: Bearer)'
              : 'unknown API key',
          ),
        );
      }
      if (known.size < accepted.size * 4) known.set(key!, id);
      client = `key:${id}`;
    }
    if (limiter === null) return done();
    const decision = limiter.take(client);
    if (!(decision instanceof Promise)) {
      if (decision.allowed) return done();
      return done(refuse(reply, decision.retryAfterMs));
    }
    decision.then(
      (d) => (d.allowed ? done() : done(refuse(reply, d.retryAfterMs))),
      () => done(), // limiters fail open; RedisRateLimiter already reports its errors
    );
  });
}

function presentedKey(request: FastifyRequest, inQuery: boolean): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim() || undefined;
  if (inQuery) {
    const key = (request.query as Record<string, unknown> | undefined)?.key;
    if (typeof key === 'string' && key !== '') return key;
  }
  return undefined;
}
