import type { CheckpointVersion, Lease } from './checkpoint-store.js';
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

interface Entry {
  lease: { owner: string; token: number; expiresAt: number } | null;
  /** Highest fencing token handed out; never goes down. */
  token: number;
  /** Highest version number assigned; never goes down, even when old versions are trimmed. */
  version: number;
  versions: { meta: CheckpointVersion; data: Uint8Array }[];
}

export interface MemoryStoreOptions {
  /** Wall clock, injectable for tests. */
  now?: () => number;
}

/**
 * In-process checkpoint store with the same lease and fencing semantics as the Redis store, for
 * tests and ephemeral runs. Every method body runs without an `await`, so each is atomic with
 * respect to the others, as a Lua script is in Redis. Bytes are copied in and out.
 *
 * @example
 * const store = new MemoryCheckpointStore();
 * const lease = await store.acquire('orders.model', 'worker-1', 10_000);
 * await store.save('orders.model', lease!, new Uint8Array([1, 2, 3])); // → 1
 */
export class MemoryCheckpointStore implements VersionedCheckpointStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    checkName(name);
    checkOwner(owner);
    checkTtl(ttlMs);
    const e = this.entry(name);
    const now = this.now();
    if (e.lease && e.lease.expiresAt > now && e.lease.owner !== owner) return null;
    e.token += 1;
    e.lease = { owner, token: e.token, expiresAt: now + ttlMs };
    return { name, owner, token: e.token };
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const e = this.entries.get(lease.name);
    if (!e || !this.holds(e, lease)) return false;
    e.lease!.expiresAt = this.now() + ttlMs;
    return true;
  }

  async release(lease: Lease): Promise<void> {
    const e = this.entries.get(lease.name);
    if (e && this.holds(e, lease)) e.lease = null;
  }

  async save(name: string, lease: Lease, data: Uint8Array, keep = DEFAULT_KEEP): Promise<number> {
    return this.write(name, lease, keep, () => data.slice());
  }

  async rollback(name: string, lease: Lease, version: number, keep = DEFAULT_KEEP): Promise<number> {
    checkVersion(version);
    return this.write(name, lease, keep, (e) => {
      const old = e.versions.find((v) => v.meta.version === version);
      if (!old) throw versionNotFound(name, version);
      return old.data; // stored arrays are never mutated, so sharing is safe
    });
  }

  async load(name: string): Promise<{ version: number; data: Uint8Array } | null> {
    const last = this.entries.get(name)?.versions.at(-1);
    return last ? { version: last.meta.version, data: last.data.slice() } : null;
  }

  async loadVersion(name: string, version: number): Promise<Uint8Array | null> {
    const found = this.entries.get(name)?.versions.find((v) => v.meta.version === version);
    return found ? found.data.slice() : null;
  }

  async listVersions(name: string): Promise<CheckpointVersion[]> {
    return (this.entries.get(name)?.versions ?? []).map((v) => ({ ...v.meta }));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private write(name: string, lease: Lease, keep: number, bytes: (e: Entry) => Uint8Array): number {
    checkName(name);
    checkKeep(keep);
    const e = this.entry(name);
    if (lease.name !== name || !this.holds(e, lease)) throw leaseLost(lease, 'not-held');
    if (e.token !== lease.token) throw leaseLost(lease, 'stale-token');
    const data = bytes(e);
    e.version += 1;
    e.versions.push({
      meta: { version: e.version, token: lease.token, createdAt: this.now(), bytes: data.byteLength },
      data,
    });
    if (e.versions.length > keep) e.versions.splice(0, e.versions.length - keep);
    return e.version;
  }

  private holds(e: Entry, lease: Lease): boolean {
    const l = e.lease;
    return l !== null && l.owner === lease.owner && l.token === lease.token && l.expiresAt > this.now();
  }

  private entry(name: string): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = { lease: null, token: 0, version: 0, versions: [] };
      this.entries.set(name, e);
    }
    return e;
  }
}
