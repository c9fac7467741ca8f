import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL } from '../core/connections.js';
import { StreamlearnError } from '../core/errors.js';
import type { CheckpointVersion, Lease } from './checkpoint-store.js';
import {
  ACQUIRE,
  LOAD,
  NOT_HELD,
  RELEASE,
  RENEW,
  STALE_TOKEN,
  VERSION_MISSING,
  WRITE,
} from './redis-scripts.js';
import {
  DEFAULT_KEEP,
  checkKeep,
  checkName,
  checkOwner,
  checkTtl,
  checkVersion,
  leaseLost,
  versionNotFound,
  type VersionedCheckpointStore,
} from './versioned.js';

export interface RedisStoreOptions {
  /** Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Prepended to every key, so several deployments (or test runs) share one Redis. Default `streamlearn:`. */
  keyPrefix?: string;
  /**
   * Reconnection attempts a command may wait through before it fails. Small on purpose: during an
   * outage callers get a retriable `SL_ERR_CHECKPOINT` quickly and back off themselves. Default 1.
   */
  maxRetriesPerRequest?: number;
  /** Default 2 s. */
  connectTimeoutMs?: number;
  /** A command unanswered this long fails (a hung server). Default 5 s. */
  commandTimeoutMs?: number;
}

/** ioredis adds these methods at run time from `defineCommand`; the `Buffer` variants return Buffers. */
interface Scripts {
  slAcquire(lease: string, token: string, owner: string, ttlMs: number): Promise<number | null>;
  slRenew(lease: string, value: string, ttlMs: number): Promise<number>;
  slRelease(lease: string, value: string): Promise<number>;
  slWrite(
    lease: string,
    token: string,
    ver: string,
    index: string,
    latest: string,
    value: string,
    leaseToken: number,
    keep: number,
    createdAt: number,
    dataPrefix: string,
    mode: 'data' | 'copy',
    payload: Buffer | number,
  ): Promise<number>;
  slLoadBuffer(latest: string, dataPrefix: string): Promise<[Buffer, Buffer] | null>;
}

/**
 * Checkpoint store on Redis: the lease is `SET lease:<name> <owner>:<token> NX PX ttl` with the
 * fencing token from `INCR token:<name>`, and `save` is one Lua script that writes only while the
 * caller holds the lease with the newest token — a stale writer is refused by Redis itself, not
 * by a check the writer could race. See `redis-scripts.ts` for each script.
 *
 * Keys (after `keyPrefix`): `lease:<name>`, `token:<name>`, `ver:<name>`, `ckpt:<name>:<version>`
 * (the bytes, binary), `ckpt:<name>:versions` (sorted set of metadata), `ckpt:<name>:latest`.
 * The data keys are built inside the scripts, so this layout is for a single Redis (or a
 * primary with replicas), not Redis Cluster.
 *
 * Connection failures surface as retriable `SL_ERR_CHECKPOINT` within about a second or two
 * instead of queueing forever; the client keeps reconnecting in the background. A command that
 * timed out may still have run — harmless here, since a repeated save only adds a version and the
 * fencing checks still hold.
 *
 * @example
 * const store = new RedisCheckpointStore({ url: process.env.REDIS_URL });
 * const lease = await store.acquire('orders.model', 'worker-1', 10_000);
 * if (lease) await store.save('orders.model', lease, bytes);
 */
export class RedisCheckpointStore implements VersionedCheckpointStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly scripts: Scripts;
  private readonly prefix: string;
  private lastError: Error | null = null;

  constructor(options: RedisStoreOptions = {}) {
    this.prefix = options.keyPrefix ?? 'streamlearn:';
    this.redis = new Redis(options.url ?? DEFAULT_REDIS_URL, {
      lazyConnect: true,
      // A bounded queue: commands issued while (re)connecting wait for at most
      // `maxRetriesPerRequest` reconnection attempts, then fail.
      enableOfflineQueue: true,
      maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      // Never give up reconnecting: when Redis comes back, so do we.
      retryStrategy: (times) => Math.min(50 * 2 ** times, 1_000),
    });
    // Without a listener ioredis prints every reconnection failure; the failures reach callers as errors.
    this.redis.on('error', (err: Error) => {
      this.lastError = err;
    });
    this.redis.defineCommand('slAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    this.redis.defineCommand('slRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis.defineCommand('slRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis.defineCommand('slWrite', { numberOfKeys: 5, lua: WRITE });
    this.redis.defineCommand('slLoad', { numberOfKeys: 1, lua: LOAD, readOnly: true });
    this.scripts = this.redis as unknown as Scripts;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    checkName(name);
    checkOwner(owner);
    checkTtl(ttlMs);
    const token = await this.run(() =>
      this.scripts.slAcquire(this.key('lease', name), this.key('token', name), owner, ttlMs),
    );
    return token === null ? null : { name, owner, token: Number(token) };
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    checkName(lease.name);
    checkTtl(ttlMs);
    return (
      (await this.run(() =>
        this.scripts.slRenew(this.key('lease', lease.name), leaseValue(lease), ttlMs),
      )) === 1
    );
  }

  async release(lease: Lease): Promise<void> {
    checkName(lease.name);
    await this.run(() => this.scripts.slRelease(this.key('lease', lease.name), leaseValue(lease)));
  }

  async save(name: string, lease: Lease, data: Uint8Array, keep = DEFAULT_KEEP): Promise<number> {
    return this.write(name, lease, keep, 'data', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  async rollback(name: string, lease: Lease, version: number, keep = DEFAULT_KEEP): Promise<number> {
    checkVersion(version);
    return this.write(name, lease, keep, 'copy', version);
  }

  async load(name: string): Promise<{ version: number; data: Uint8Array } | null> {
    checkName(name);
    const found = await this.run(() =>
      this.scripts.slLoadBuffer(this.key('ckpt', name, 'latest'), this.dataPrefix(name)),
    );
    if (!found) return null;
    return { version: Number(found[0].toString()), data: view(found[1]) };
  }

  async loadVersion(name: string, version: number): Promise<Uint8Array | null> {
    checkName(name);
    if (!Number.isInteger(version) || version < 1) return null;
    const buf = await this.run(() => this.redis.getBuffer(this.dataPrefix(name) + version));
    return buf ? view(buf) : null;
  }

  async listVersions(name: string): Promise<CheckpointVersion[]> {
    checkName(name);
    const members = await this.run(() => this.redis.zrange(this.key('ckpt', name, 'versions'), 0, -1));
    return members.map((m) => {
      const [version, token, createdAt, bytes] = m.split(':').map(Number) as [number, number, number, number];
      return { version, token, createdAt, bytes };
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit();
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.redis.disconnect();
  }

  private async write(
    name: string,
    lease: Lease,
    keep: number,
    mode: 'data' | 'copy',
    payload: Buffer | number,
  ): Promise<number> {
    checkName(name);
    checkKeep(keep);
    if (lease.name !== name) throw leaseLost(lease, 'not-held', `lease is for ${lease.name}`);
    const result = await this.run(() =>
      this.scripts.slWrite(
        this.key('lease', name),
        this.key('token', name),
        this.key('ver', name),
        this.key('ckpt', name, 'versions'),
        this.key('ckpt', name, 'latest'),
        leaseValue(lease),
        lease.token,
        keep,
        Date.now(),
        this.dataPrefix(name),
        mode,
        payload,
      ),
    );
    if (result === NOT_HELD) throw leaseLost(lease, 'not-held');
    if (result === STALE_TOKEN) throw leaseLost(lease, 'stale-token');
    if (result === VERSION_MISSING) throw versionNotFound(name, payload as number);
    return result;
  }

  private key(kind: string, name: string, suffix?: string): string {
    return `${this.prefix}${kind}:${name}${suffix === undefined ? '' : `:${suffix}`}`;
  }

  private dataPrefix(name: string): string {
    return `${this.prefix}ckpt:${name}:`;
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StreamlearnError) throw err;
      const cause =
        this.lastError && this.lastError !== err ? ` (last connection error: ${this.lastError.message})` : '';
      throw new StreamlearnError(
        'SL_ERR_CHECKPOINT',
        `redis checkpoint store: ${(err as Error).message}${cause}`,
        {
          cause: err,
          retriable: true,
        },
      );
    }
  }
}

function leaseValue(lease: Lease): string {
  return `${lease.owner}:${lease.token}`;
}

function view(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
