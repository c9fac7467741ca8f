import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointSchema } from '../../src/core/config/sinks.js';
import { createCheckpointStore } from '../../src/state/index.js';

describe('createCheckpointStore', () => {
  it('resolves each configured store by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamlearn-factory-'));
    try {
      const file = createCheckpointStore(checkpointSchema.parse({ store: 'file', path: dir }));
      expect(file.kind).toBe('file');
      const lease = (await file.acquire('m', 'a', 1_000))!;
      expect(await file.save('m', lease, new Uint8Array([1]))).toBe(1);
      await file.close();

      expect(createCheckpointStore(checkpointSchema.parse({ store: 'memory' })).kind).toBe('memory');
      // Redis connects lazily, so building the store touches no network.
      const redis = createCheckpointStore(checkpointSchema.parse({ store: 'redis' }));
      expect(redis.kind).toBe('redis');
      await redis.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('defaults to the file store', () => {
    expect(createCheckpointStore(checkpointSchema.parse({})).kind).toBe('file');
  });
});
