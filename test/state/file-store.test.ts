import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../src/core/errors.js';
import { FileCheckpointStore } from '../../src/state/file-store.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FileCheckpointStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamlearn-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('survives reopening: versions, tokens and the lease live on disk', async () => {
    const first = new FileCheckpointStore({ dir });
    const lease = (await first.acquire('model', 'a', 5_000))!;
    await first.save('model', lease, text('one'));
    await first.close();

    const second = new FileCheckpointStore({ dir });
    expect(await second.acquire('model', 'b', 5_000)).toBeNull();
    expect(new TextDecoder().decode((await second.load('model'))!.data)).toBe('one');
    expect(await second.save('model', lease, text('two'))).toBe(2);
  });

  it('reports a damaged index as damage naming the file, not as an outage to wait out', async () => {
    const store = new FileCheckpointStore({ dir });
    const lease = (await store.acquire('model', 'a', 5_000))!;
    await store.save('model', lease, text('one'));
    await writeFile(join(dir, 'model', 'index.json'), '{"version":1,"vers');
    const err = (await store.load('model').catch((e: unknown) => e)) as StreamlearnError;
    expect(err).toBeInstanceOf(StreamlearnError);
    expect(err.code).toBe('SL_ERR_CHECKPOINT');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(join(dir, 'model', 'index.json'));
    expect(err.message).toContain('damaged');
    await store.close();
  });

  it('fences across store instances sharing a folder, as two processes would', async () => {
    let clock = 1_000;
    const a = new FileCheckpointStore({ dir, now: () => clock });
    const b = new FileCheckpointStore({ dir, now: () => clock });
    const la = (await a.acquire('model', 'a', 1_000))!;
    await a.save('model', la, text('a'));
    clock += 2_000; // a is "paused" past its lease
    const lb = (await b.acquire('model', 'b', 1_000))!;
    expect(lb.token).toBe(la.token + 1);
    const err = await a.save('model', la, text('stale')).catch((e: unknown) => e);
    expect((err as StreamlearnError).code).toBe('SL_ERR_LEASE_LOST');
    expect(await b.save('model', lb, text('b'))).toBe(2);
    expect(new TextDecoder().decode((await a.load('model'))!.data)).toBe('b');
  });

  it('leaves no temp files behind, on success or refusal', async () => {
    const store = new FileCheckpointStore({ dir });
    const lease = (await store.acquire('model', 'a', 5_000))!;
    await store.save('model', lease, text('x'));
    await store.release(lease);
    await store.save('model', lease, text('refused')).catch(() => undefined);
    const files = (await readdir(join(dir, 'model'))).sort();
    expect(files).toEqual(['1.ckpt', 'index.json', 'token']);
  });

  it('breaks a critical-section file left by a dead process', async () => {
    // A pid that certainly exited: a child that already ran to completion.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const store = new FileCheckpointStore({ dir, mutexTimeoutMs: 2_000 });
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model', '.mutex'), String(dead));
    const lease = await store.acquire('model', 'a', 5_000);
    expect(lease?.token).toBe(1);
  });

  it('waits for a live holder and fails retriably when it never lets go', async () => {
    const store = new FileCheckpointStore({ dir, mutexTimeoutMs: 200 });
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model', '.mutex'), String(process.pid));
    const err = await store.acquire('model', 'a', 5_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamlearnError);
    expect((err as StreamlearnError).code).toBe('SL_ERR_CHECKPOINT');
    expect((err as StreamlearnError).retriable).toBe(true);
  });

  it('keeps names that are not plain folder names inside its root', async () => {
    const store = new FileCheckpointStore({ dir });
    const lease = (await store.acquire('orders:p3', 'a', 5_000))!;
    await store.save('orders:p3', lease, text('x'));
    expect(await readdir(dir)).toEqual(['orders%3Ap3']);
  });
});
