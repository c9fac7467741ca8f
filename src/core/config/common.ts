import { z } from 'zod';
import { parseDuration } from '../duration.js';

/** A duration in ms: a non-negative number, or a string such as `30s`, `5m`. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A strictly positive duration. */
export const positiveDuration = duration.refine((ms) => ms > 0, 'must be greater than 0');

/** Names that become SQL identifiers: they are checked here so no query ever quotes user text. */
export const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    'must start with a letter or _ and hold only letters, digits and _ (≤ 63)',
  )
  // a JavaScript object's key `__proto__` is its prototype: events and rows could not hold it
  .refine((name) => name !== '__proto__', 'is reserved ("__proto__" names a JavaScript prototype)');

/** A Kafka bootstrap address, `host:port` (`[::1]:9092` for IPv6), as kafkajs and librdkafka expect. */
export const brokerAddress = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9092');

/** A Redis address as ioredis reads it: `redis://`, `rediss://` (TLS) or `unix://` (a socket path). */
export const redisUrl = z
  .string()
  .refine((url) => /^(rediss?|unix):\/\/\S+$/.test(url) && URL.canParse(url), {
    error: 'must be a redis://host:port URL (or rediss:// for TLS, unix:// for a socket)',
  });

/** An HTTP(S) base URL (ClickHouse's HTTP interface). */
export const httpUrl = z
  .string()
  .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
    error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:8123',
  });
