/**
 * A lease on a named checkpoint: only its holder may write. `token` is a fencing token that grows
 * with every acquisition, so a writer that lost its lease (paused, partitioned) is refused even if
 * it still believes it holds it.
 */
export interface Lease {
  name: string;
  owner: string;
  token: number;
}

/** A stored checkpoint version. */
export interface CheckpointVersion {
  version: number;
  token: number;
  createdAt: number;
  bytes: number;
}

export interface CheckpointStore {
  readonly kind: string;
  /** Takes the lease if free (or already ours); `null` when another owner holds it. */
  acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends the lease; false when it was lost (expired and taken, or released). */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  release(lease: Lease): Promise<void>;
  /**
   * Writes a new version atomically, refused (SL_ERR_LEASE_LOST) unless `lease` is still held and
   * its token is the newest. Returns the version number. Keeps the last `keep` versions.
   */
  save(name: string, lease: Lease, data: Uint8Array, keep?: number): Promise<number>;
  /** The newest version, or null. */
  load(name: string): Promise<{ version: number; data: Uint8Array } | null>;
  loadVersion(name: string, version: number): Promise<Uint8Array | null>;
  listVersions(name: string): Promise<CheckpointVersion[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
