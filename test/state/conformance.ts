import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../src/core/errors.js';
import type { Lease } from '../../src/state/checkpoint-store.js';
import type { VersionedCheckpointStore } from '../../src/state/versioned.js';

/**
 * The contract every checkpoint store keeps (as River's `check_estimator` does for models): run it
 * from a test file with a factory, and a new store is tested the moment it is added.
 */
export interface StoreHarness {
  store: VersionedCheckpointStore;
  /** Called once after the suite; removes whatever the store wrote. */
  cleanup(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array | null | undefined): string | null => (b ? new TextDecoder().decode(b) : null);
const same = (a: Uint8Array | null | undefined, b: Uint8Array): boolean =>
  !!a && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

async function refused(
  p: Promise<unknown>,
  code: 'SL_ERR_LEASE_LOST' | 'SL_ERR_NOT_FOUND' = 'SL_ERR_LEASE_LOST',
): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamlearnError);
  expect((err as StreamlearnError).code).toBe(code);
}

export function checkpointConformance(label: string, make: () => Promise<StoreHarness>): void {
  describe(`CheckpointStore conformance: ${label}`, () => {
    let h: StoreHarness;
    let n = 0;
    /** A fresh checkpoint name per test, so tests never see each other's state. */
    const fresh = (): string => `ckpt-${++n}-${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      h = await make();
      await h.store.ping();
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it('acquires, renews and releases a lease', async () => {
      const name = fresh();
      const lease = await h.store.acquire(name, 'a', 5_000);
      expect(lease).toMatchObject({ name, owner: 'a' });
      expect(lease!.token).toBeGreaterThan(0);
      expect(await h.store.renew(lease!, 5_000)).toBe(true);
      await h.store.release(lease!);
      expect(await h.store.renew(lease!, 5_000)).toBe(false);
      const next = await h.store.acquire(name, 'b', 5_000);
      expect(next!.token).toBeGreaterThan(lease!.token);
    });

    it('refuses a second owner while the lease is held, and lets the holder re-acquire with a new token', async () => {
      const name = fresh();
      const a = await h.store.acquire(name, 'a', 5_000);
      expect(await h.store.acquire(name, 'b', 5_000)).toBeNull();
      const again = await h.store.acquire(name, 'a', 5_000);
      expect(again!.token).toBeGreaterThan(a!.token);
      // The older lease object is now stale, even though the owner is the same.
      await refused(h.store.save(name, a!, text('old')));
      expect(await h.store.save(name, again!, text('new'))).toBe(1);
      // Releasing with a stale lease does nothing.
      await h.store.release(a!);
      expect(await h.store.acquire(name, 'b', 5_000)).toBeNull();
    });

    it('owners containing ":" are compared whole', async () => {
      const name = fresh();
      const a = await h.store.acquire(name, 'host:1', 5_000);
      expect(await h.store.acquire(name, 'host', 5_000)).toBeNull();
      expect((await h.store.acquire(name, 'host:1', 5_000))!.token).toBeGreaterThan(a!.token);
    });

    it('another owner takes over after expiry with a higher token; the old holder is refused', async () => {
      const name = fresh();
      const a = (await h.store.acquire(name, 'a', 150))!;
      expect(await h.store.save(name, a, text('a1'))).toBe(1);
      await sleep(300);
      const b = (await h.store.acquire(name, 'b', 5_000))!;
      expect(b.token).toBeGreaterThan(a.token);
      expect(await h.store.renew(a, 5_000)).toBe(false);
      await refused(h.store.save(name, a, text('a2')));
      await refused(h.store.rollback(name, a, 1));
      expect(await h.store.save(name, b, text('b1'))).toBe(2);
      await h.store.release(a); // no effect on b
      expect(await h.store.renew(b, 5_000)).toBe(true);
      expect(decode((await h.store.load(name))!.data)).toBe('b1');
      expect((await h.store.listVersions(name)).map((v) => v.token)).toEqual([a.token, b.token]);
    });

    it('refuses a save on an expired lease even when nobody took it over', async () => {
      const name = fresh();
      const a = (await h.store.acquire(name, 'a', 100))!;
      await sleep(250);
      await refused(h.store.save(name, a, text('late')));
      expect(await h.store.renew(a, 5_000)).toBe(false);
      expect(await h.store.load(name)).toBeNull();
    });

    it('refuses a lease for another name', async () => {
      const [x, y] = [fresh(), fresh()];
      const lx = (await h.store.acquire(x, 'a', 5_000))!;
      await h.store.acquire(y, 'a', 5_000);
      await refused(h.store.save(y, lx, text('wrong name')));
    });

    it('assigns increasing versions and keeps only the last `keep`', async () => {
      const name = fresh();
      const lease = (await h.store.acquire(name, 'a', 5_000))!;
      const before = Date.now();
      for (let i = 1; i <= 5; i++) expect(await h.store.save(name, lease, text(`v${i}`), 3)).toBe(i);
      const list = await h.store.listVersions(name);
      expect(list.map((v) => v.version)).toEqual([3, 4, 5]);
      for (const v of list) {
        expect(v).toMatchObject({ token: lease.token, bytes: 2 });
        expect(v.createdAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(v.createdAt).toBeLessThanOrEqual(Date.now() + 1_000);
      }
      expect(await h.store.loadVersion(name, 2)).toBeNull();
      expect(decode(await h.store.loadVersion(name, 3))).toBe('v3');
      expect(await h.store.load(name)).toMatchObject({ version: 5 });
      expect(decode((await h.store.load(name))!.data)).toBe('v5');
      // Default keep is 10.
      for (let i = 6; i <= 16; i++) await h.store.save(name, lease, text(`v${i}`));
      expect((await h.store.listVersions(name)).map((v) => v.version)).toEqual([
        7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      ]);
    });

    it('gives concurrent saves by the holder distinct versions', async () => {
      const name = fresh();
      const lease = (await h.store.acquire(name, 'a', 5_000))!;
      const versions = await Promise.all(
        Array.from({ length: 8 }, (_, i) => h.store.save(name, lease, text(`c${i}`), 20)),
      );
      expect([...versions].sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      for (const [i, v] of versions.entries())
        expect(decode(await h.store.loadVersion(name, v))).toBe(`c${i}`);
    });

    it('answers empty for unknown names and versions', async () => {
      const name = fresh();
      expect(await h.store.load(name)).toBeNull();
      expect(await h.store.loadVersion(name, 1)).toBeNull();
      expect(await h.store.listVersions(name)).toEqual([]);
    });

    it('rolls back by copying an old version as the newest, keeping history', async () => {
      const name = fresh();
      const lease = (await h.store.acquire(name, 'a', 5_000))!;
      await h.store.save(name, lease, text('one'));
      await h.store.save(name, lease, text('two'));
      expect(await h.store.rollback(name, lease, 1)).toBe(3);
      expect(await h.store.load(name)).toMatchObject({ version: 3 });
      expect(decode((await h.store.load(name))!.data)).toBe('one');
      expect((await h.store.listVersions(name)).map((v) => [v.version, v.bytes])).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      expect(decode(await h.store.loadVersion(name, 2))).toBe('two');
      await refused(h.store.rollback(name, lease, 99), 'SL_ERR_NOT_FOUND');
      // Rolling back to a version about to be trimmed still works: the copy is taken first.
      expect(await h.store.rollback(name, lease, 1, 1)).toBe(4);
      expect((await h.store.listVersions(name)).map((v) => v.version)).toEqual([4]);
      expect(decode((await h.store.load(name))!.data)).toBe('one');
    });

    it('round-trips binary bytes exactly, 0x00 and 0xff included, up to a 5 MB blob', async () => {
      const name = fresh();
      const lease = (await h.store.acquire(name, 'a', 30_000))!;
      const every = bytes(...Array.from({ length: 256 }, (_, i) => i), 0, 0, 255, 255, 0);
      expect(await h.store.save(name, lease, every)).toBe(1);
      expect(same(await h.store.loadVersion(name, 1), every)).toBe(true);

      const big = new Uint8Array(randomBytes(5 * 1024 * 1024));
      big.fill(0x00, 0, 1024);
      big.fill(0xff, 1024, 2048);
      big[big.length - 1] = 0x00;
      const v = await h.store.save(name, lease, big);
      const loaded = await h.store.load(name);
      expect(loaded!.version).toBe(v);
      expect(loaded!.data.byteLength).toBe(big.byteLength);
      expect(same(loaded!.data, big)).toBe(true);
      expect((await h.store.listVersions(name)).at(-1)!.bytes).toBe(big.byteLength);

      // A view into a larger buffer stores only the view's bytes.
      const window = big.subarray(10, 20);
      const w = await h.store.save(name, lease, window);
      expect(same(await h.store.loadVersion(name, w), window)).toBe(true);

      // Empty checkpoints are checkpoints too.
      const e = await h.store.save(name, lease, new Uint8Array(0));
      expect((await h.store.loadVersion(name, e))!.byteLength).toBe(0);
      expect((await h.store.load(name))!.version).toBe(e);
    });

    it('is not affected by the caller mutating its bytes after save', async () => {
      const name = fresh();
      const lease = (await h.store.acquire(name, 'a', 5_000))!;
      const data = bytes(1, 2, 3);
      await h.store.save(name, lease, data);
      data[0] = 9;
      const loaded = (await h.store.load(name))!.data;
      expect([...loaded]).toEqual([1, 2, 3]);
      loaded[1] = 9;
      expect([...(await h.store.loadVersion(name, 1))!]).toEqual([1, 2, 3]);
    });

    it('rejects bad names and arguments as programming errors', async () => {
      await expect(h.store.acquire('', 'a', 1_000)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.acquire('../escape', 'a', 1_000)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.acquire(fresh(), 'a', 0)).rejects.toBeInstanceOf(RangeError);
      const name = fresh();
      const lease = (await h.store.acquire(name, 'a', 5_000)) as Lease;
      await expect(h.store.save(name, lease, bytes(1), 0)).rejects.toBeInstanceOf(RangeError);
    });
  });
}
