import { Redis } from 'ioredis';
import type { RateLimitConfig } from '../core/config/api.js';

/** The answer of a token bucket: allowed or not, and when to come back. */
export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** When refused: milliseconds until one token is back. */
  retryAfterMs: number;
}

/**
 * A token bucket per client key: `burst` tokens, refilled at `perSecond`. Each request takes one.
 * `take` may answer synchronously (in memory) or with a promise (Redis).
 */
export interface RateLimiter {
  readonly kind: string;
  take(key: string): RateDecision | Promise<RateDecision>;
  close(): Promise<void>;
}

/** Keys beyond this trigger a sweep of buckets that are full again (bounded memory under many IPs). */
const MAX_BUCKETS = 10_000;

/**
 * Token buckets in this process's memory: exact and allocation-free per request, but each
 * instance counts alone (use {@link RedisRateLimiter} behind a load balancer).
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly config: Pick<RateLimitConfig, 'burst' | 'perSecond'>,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    if (!(config.burst >= 1) || !(config.perSecond > 0))
      throw new RangeError('rate limit: burst must be ≥ 1 and perSecond > 0');
    this.perMs = config.perSecond / 1000;
  }

  take(key: string): RateDecision {
    const now = this.now();
    const { burst } = this.config;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(now);
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * this.perMs);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens), retryAfterMs: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterMs: Math.ceil((1 - b.tokens) / this.perMs) };
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private sweep(now: number): void {
    const { burst } = this.config;
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= burst) this.buckets.delete(k);
    }
    // Every bucket still draining: forget the oldest half rather than grow without bound.
    if (this.buckets.size >= MAX_BUCKETS) {
      let n = this.buckets.size / 2;
      for (const k of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}

/**
 * One atomic token bucket in Redis. The clock is Redis's own `TIME`, so instances with skewed
 * clocks share one notion of refill; the hash expires once it would be full again. Redis ≥ 5
 * replicates a script's effects, so reading TIME before writing is allowed.
 *
 * KEYS[1] bucket · ARGV[1] burst · ARGV[2] tokens per ms
 * → { allowed (0|1), remaining (whole tokens), retry after (ms) }
 */
export const TOKEN_BUCKET_LUA = `
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * per_ms)
  at = now
end
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
return { allowed, math.floor(tokens), retry }
`;

/**
 * Token buckets shared by every instance through Redis (one `EVALSHA` round trip per request).
 * When Redis cannot be reached the request is allowed (fail open: the limiter protects capacity,
 * it must not take the API down with it) and `onError` is told.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly perMs: number;

  constructor(
    private readonly config: Pick<RateLimitConfig, 'burst' | 'perSecond'> & { redisUrl: string },
    private readonly options: { prefix?: string; onError?: (err: unknown) => void } = {},
  ) {
    if (!(config.burst >= 1) || !(config.perSecond > 0))
      throw new RangeError('rate limit: burst must be ≥ 1 and perSecond > 0');
    this.perMs = config.perSecond / 1000;
    this.redis = new Redis(config.redisUrl, {
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 1_000,
    });
    this.redis.on('error', () => undefined); // reported per request through onError
    this.redis.defineCommand('slTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }

  async take(key: string): Promise<RateDecision> {
    const bucket = `${this.options.prefix ?? 'streamlearn:ratelimit:'}${key}`;
    try {
      const cmd = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<number[]>>)
        .slTokenBucket!;
      const [allowed, remaining, retry] = await cmd.call(this.redis, bucket, this.config.burst, this.perMs);
      return { allowed: allowed === 1, remaining: remaining ?? 0, retryAfterMs: retry ?? 0 };
    } catch (err) {
      this.options.onError?.(err);
      return { allowed: true, remaining: 0, retryAfterMs: 0 };
    }
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** The limiter a config asks for: none when disabled, Redis with a URL, else in memory. */
export function createRateLimiter(
  config: RateLimitConfig,
  onError?: (err: unknown) => void,
): RateLimiter | null {
  if (!config.enabled) return null;
  if (config.redisUrl) return new RedisRateLimiter({ ...config, redisUrl: config.redisUrl }, { onError });
  return new MemoryRateLimiter(config);
}
