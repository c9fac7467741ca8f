import { ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { PipelineConfig } from '../core/config/index.js';
import { StreamlearnError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { backoffDelay, sleep } from '../core/retry.js';

/**
 * Start-up checks: before anything starts (no table created, no lease taken, no port opened) every
 * external service the config names must answer within `startupTimeout`. A mistyped address or a
 * service that is not there fails the start with the config field and address, instead of a
 * half-started service retrying forever. Outages after a successful start still wait and retry.
 */

/** One service the pipeline needs at start. */
export interface StartupCheck {
  /** The config field that names it, e.g. `source.brokers`. */
  field: string;
  /** Its address as configured, credentials removed. */
  address: string;
  /** What it is, for the message: `Kafka`, `ClickHouse`, `Redis`. */
  service: string;
  /** Resolves when it answers; rejects with {@link Refused} when it answered "no" (retrying is futile). */
  probe(timeoutMs: number): Promise<void>;
}

/** The service answered, but refused (bad credentials, unknown database…): no point waiting. */
export class Refused extends Error {
  override readonly name = 'Refused';
}

export interface PreflightOptions {
  /** Overrides `config.startupTimeout`. */
  timeoutMs?: number;
  logger?: Logger;
  /** False when the caller brings its own sink (replay): the configured one is not used. */
  sink?: boolean;
  /** Whether the HTTP API will run (its shared rate-limit Redis is then needed). */
  api?: boolean;
  /** Replaces the checks derived from the config (tests). */
  checks?: StartupCheck[];
}

/** A probe attempt never waits longer than this, so a black-holed address is retried too. */
const MAX_ATTEMPT_MS = 5_000;

/**
 * Waits until every service the config names answers, retrying with backoff until
 * `startupTimeout`; throws `SL_ERR_UNREACHABLE` naming each field and address that did not.
 *
 * @example
 * await preflight(config); // SL_ERR_UNREACHABLE: source.brokers: Kafka at 10.0.0.9:9092 did not answer within 30000 ms (…)
 */
export async function preflight(config: PipelineConfig, options: PreflightOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? config.startupTimeout;
  const checks = options.checks ?? startupChecks(config, options);
  const deadline = Date.now() + timeoutMs;
  const failures = await Promise.all(
    checks.map((check) => untilAnswered(check, deadline, timeoutMs, options.logger)),
  );
  const problems = failures.filter((f): f is string => f !== null);
  if (problems.length > 0)
    throw new StreamlearnError(
      'SL_ERR_UNREACHABLE',
      `not starting: ${problems.length === 1 ? 'a service is' : 'services are'} unreachable:\n${problems.join('\n')}`,
    );
}

/** The services a config depends on at start; alert channels are left out (their outbox waits). */
export function startupChecks(
  config: PipelineConfig,
  options: Pick<PreflightOptions, 'sink' | 'api'> = {},
): StartupCheck[] {
  const checks: StartupCheck[] = [];
  if (config.source.type === 'kafka') {
    const { brokers, clientId } = config.source;
    checks.push({
      field: 'source.brokers',
      address: brokers.join(','),
      service: 'Kafka',
      probe: (ms) => probeKafka(brokers, `${clientId}-preflight`, ms),
    });
  }
  if (config.sink.type === 'clickhouse' && options.sink !== false) {
    const sink = config.sink;
    checks.push({
      field: 'sink.url',
      address: withoutCredentials(sink.url),
      service: 'ClickHouse',
      probe: (ms) => probeClickhouse(sink.url, sink.username, sink.password, ms),
    });
  }
  const redisUrls = new Map<string, string>();
  if (config.checkpoint.store === 'redis') redisUrls.set(config.checkpoint.redisUrl, 'checkpoint.redisUrl');
  const rateLimit = config.api.rateLimit;
  if ((options.api ?? config.api.enabled) && rateLimit.enabled && rateLimit.redisUrl)
    if (!redisUrls.has(rateLimit.redisUrl)) redisUrls.set(rateLimit.redisUrl, 'api.rateLimit.redisUrl');
  for (const [url, field] of redisUrls)
    checks.push({
      field,
      address: withoutCredentials(url),
      service: 'Redis',
      probe: (ms) => probeRedis(url, ms),
    });
  return checks;
}

/** Probes until the service answers (null) or the deadline passes (the failure line). */
async function untilAnswered(
  check: StartupCheck,
  deadline: number,
  timeoutMs: number,
  logger?: Logger,
): Promise<string | null> {
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      await withTimeout(check.probe(Math.min(left, MAX_ATTEMPT_MS)), Math.min(left, MAX_ATTEMPT_MS));
      if (attempt > 0)
        logger?.info({ field: check.field, address: check.address }, `${check.service} answered`);
      return null;
    } catch (err) {
      last = err;
      if (err instanceof Refused)
        return `${check.field}: ${check.service} at ${check.address} refused: ${err.message}`;
      if (attempt === 0)
        logger?.warn(
          { field: check.field, address: check.address, err: (err as Error).message },
          `${check.service} does not answer yet; waiting up to ${timeoutMs} ms`,
        );
    }
    const pause = Math.max(50, backoffDelay(attempt, { initialDelayMs: 200, maxDelayMs: 2_000 }));
    await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
  }
  const reason = last instanceof Error ? last.message : last === undefined ? 'no attempt' : String(last);
  return `${check.field}: ${check.service} at ${check.address} did not answer within ${timeoutMs} ms (${reason})`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A metadata request through a throwaway admin client that does not retry on its own. */
async function probeKafka(brokers: string[], clientId: string, timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    brokers,
    clientId,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** `SELECT 1` with the configured credentials: reachability and authentication at once. */
async function probeClickhouse(
  url: string,
  username: string,
  password: string,
  timeoutMs: number,
): Promise<void> {
  const client = createClient({
    log: { level: ClickHouseLogLevel.OFF }, // the failure is reported once, by preflight
    url,
    username,
    password,
    request_timeout: timeoutMs,
    application: 'streamlearn-preflight',
  });
  try {
    const result = await client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    await result.json();
  } catch (err) {
    // the server answered with an error (bad password, …): waiting will not change it
    if (err instanceof ClickHouseError) throw new Refused(err.message);
    throw err;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** PING on a connection that neither queues nor reconnects. */
async function probeRedis(url: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  redis.on('error', (err: Error) => (cause = err)); // the socket's error; connect() only says "closed"
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    if (cause && err instanceof Error && /Connection is closed/.test(err.message)) throw cause;
    // WRONGPASS, NOAUTH… are final; LOADING (a restart reading its data) passes
    const reply = err instanceof Error && err.name === 'ReplyError'; // ioredis types ReplyError as any
    if (reply && !err.message.startsWith('LOADING')) throw new Refused(err.message);
    throw err;
  } finally {
    redis.disconnect();
  }
}

/** The URL without user and password, for messages and logs. */
export function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return url;
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}
