import { StreamlearnError } from '../core/errors.js';
import type { CheckpointStore, Lease } from './checkpoint-store.js';

/** Versions kept per name when `save` is not told otherwise. */
export const DEFAULT_KEEP = 10;

/**
 * A checkpoint store that can roll back: the optional ability is its own interface (as River's
 * `MiniBatchClassifier` is), so the base {@link CheckpointStore} stays small.
 */
export interface VersionedCheckpointStore extends CheckpointStore {
  /**
   * Copies `version` as a new newest version (history is kept, nothing is rewritten), under the
   * same lease and fencing checks as `save`. Returns the new version number; throws
   * `SL_ERR_NOT_FOUND` when `version` is not (or no longer) stored.
   */
  rollback(name: string, lease: Lease, version: number, keep?: number): Promise<number>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Names become Redis keys and folder names, so they are kept to a safe alphabet. */
export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new RangeError(`checkpoint name ${JSON.stringify(name)} must match ${NAME.source}`);
  }
}

export function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 200) {
    throw new RangeError(`lease owner must be a non-empty string of at most 200 characters`);
  }
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0)
    throw new RangeError(`lease ttl must be a positive integer of ms, got ${ttlMs}`);
}

export function checkKeep(keep: number): void {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
}

export function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1)
    throw new RangeError(`version must be an integer >= 1, got ${version}`);
}

/** Why a write was refused, in the words every store uses. */
export type Refusal = 'not-held' | 'stale-token';

export function leaseLost(lease: Lease, why: Refusal, detail = ''): StreamlearnError {
  const reason =
    why === 'not-held'
      ? `the lease is no longer held by ${lease.owner} (expired, released or taken over)`
      : `a newer fencing token than ${lease.token} exists`;
  return new StreamlearnError(
    'SL_ERR_LEASE_LOST',
    `checkpoint ${lease.name}: write by ${lease.owner} with token ${lease.token} refused: ${reason}${detail ? ` (${detail})` : ''}`,
  );
}

export function versionNotFound(name: string, version: number): StreamlearnError {
  return new StreamlearnError('SL_ERR_NOT_FOUND', `checkpoint ${name} has no version ${version}`);
}
