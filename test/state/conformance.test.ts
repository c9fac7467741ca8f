import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from '../../src/state/file-store.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';
import { checkpointConformance } from './conformance.js';

// The Redis store runs the same suite against the real Redis in test/integration/state/.
checkpointConformance('memory', async () => ({
  store: new MemoryCheckpointStore(),
  cleanup: async () => {},
}));

checkpointConformance('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'streamlearn-ckpt-'));
  const store = new FileCheckpointStore({ dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
