/**
 * Checkpoint stores: where learner and window state survive restarts and move between instances.
 * `createCheckpointStore` resolves the config's `store` name; every store is tested by the shared
 * conformance suite (test/state/conformance.ts).
 */
import type { CheckpointConfig } from '../core/config/sinks.js';
import { FileCheckpointStore } from './file-store.js';
import { MemoryCheckpointStore } from './memory-store.js';
import { RedisCheckpointStore, type RedisStoreOptions } from './redis-store.js';
import type { VersionedCheckpointStore } from './versioned.js';

export type { CheckpointStore, CheckpointVersion, Lease } from './checkpoint-store.js';
export { DEFAULT_KEEP, type VersionedCheckpointStore } from './versioned.js';
export { MemoryCheckpointStore, type MemoryStoreOptions } from './memory-store.js';
export { FileCheckpointStore, type FileStoreOptions } from './file-store.js';
export { RedisCheckpointStore, type RedisStoreOptions } from './redis-store.js';
export { LeaseKeeper, type LeaseKeeperEvents, type LeaseKeeperOptions } from './lease-keeper.js';

/**
 * The store a config names. Nothing connects until first use (Redis connects lazily).
 *
 * @example
 * const store = createCheckpointStore({ store: 'file', path: 'data/checkpoints', redisUrl: '', interval: 5000 });
 */
export function createCheckpointStore(
  config: Pick<CheckpointConfig, 'store' | 'path' | 'redisUrl'>,
  redis: Omit<RedisStoreOptions, 'url'> = {},
): VersionedCheckpointStore {
  switch (config.store) {
    case 'memory':
      return new MemoryCheckpointStore();
    case 'file':
      return new FileCheckpointStore({ dir: config.path });
    case 'redis':
      return new RedisCheckpointStore({ ...redis, url: config.redisUrl });
  }
}
