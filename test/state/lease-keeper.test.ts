import { afterEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../src/state/checkpoint-store.js';
import { LeaseKeeper } from '../../src/state/lease-keeper.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory store whose renewals can be made to fail or be refused. */
class FlakyStore extends MemoryCheckpointStore {
  renewal: 'ok' | 'refuse' | 'throw' = 'ok';
  renewals = 0;
  override async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    this.renewals++;
    if (this.renewal === 'throw') throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    if (this.renewal === 'refuse') return false;
    return super.renew(lease, ttlMs);
  }
}

describe('LeaseKeeper', () => {
  const keepers: LeaseKeeper[] = [];
  const keeper = (store: MemoryCheckpointStore, owner: string, ttlMs = 150): LeaseKeeper => {
    const k = new LeaseKeeper(store, { name: 'model', owner, ttlMs, initialDelayMs: 10, maxDelayMs: 40 });
    k.on('error', () => undefined);
    keepers.push(k);
    return k;
  };
  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.stop()));
  });

  it('holds the lease past its ttl by renewing, and releases it on stop', async () => {
    const store = new FlakyStore();
    const a = keeper(store, 'a');
    const lease = await a.start();
    await sleep(500); // > 3 ttls
    expect(a.held).toBe(true);
    expect(a.lease).toEqual(lease);
    expect(store.renewals).toBeGreaterThanOrEqual(6);
    expect(await store.acquire('model', 'b', 150)).toBeNull();
    await a.stop();
    expect(a.held).toBe(false);
    expect(await store.acquire('model', 'b', 150)).not.toBeNull();
  });

  it('waits while another owner holds the lease, then takes it with a higher token', async () => {
    const store = new MemoryCheckpointStore();
    const a = keeper(store, 'a');
    const b = keeper(store, 'b');
    const la = await a.start();
    const pending = b.start();
    await sleep(200);
    expect(b.held).toBe(false);
    await a.stop();
    const lb = await pending;
    expect(b.held).toBe(true);
    expect(lb.token).toBeGreaterThan(la.token);
  });

  it('rides out store failures without an error listener (no uncaught error event)', async () => {
    const store = new FlakyStore();
    const k = new LeaseKeeper(store, {
      name: 'model',
      owner: 'a',
      ttlMs: 150,
      initialDelayMs: 10,
      maxDelayMs: 40,
    });
    keepers.push(k);
    await k.start();
    store.renewal = 'throw';
    const [, reason] = await new Promise<[Lease, string]>((resolve) => k.once('lost', (...a) => resolve(a)));
    expect(reason).toMatch(/renewal failed until the lease expired: connection reset/);
  });

  it('emits lost when a renewal is refused', async () => {
    const store = new FlakyStore();
    const a = keeper(store, 'a');
    const lease = await a.start();
    const lost = new Promise<[Lease, string]>((resolve) => a.once('lost', (...args) => resolve(args)));
    store.renewal = 'refuse';
    const [which, reason] = await lost;
    expect(which).toEqual(lease);
    expect(reason).toMatch(/refused/);
    expect(a.held).toBe(false);
    expect(a.lease).toBeNull();
  });

  it('rides out failing renewals while the lease may still be valid, then emits lost', async () => {
    const store = new FlakyStore();
    const a = keeper(store, 'a', 300);
    await a.start();
    const errors: unknown[] = [];
    a.on('error', (err) => errors.push(err));
    let lostAt = 0;
    a.once('lost', () => (lostAt = Date.now()));
    const failingFrom = Date.now();
    store.renewal = 'throw';
    await sleep(150);
    expect(a.held).toBe(true); // one renewal failed, the lease is still ours
    await sleep(400);
    expect(a.held).toBe(false);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(lostAt - failingFrom).toBeLessThan(500);
  });

  it('held turns false by the clock alone when renewals stall (a paused process)', async () => {
    const store = new MemoryCheckpointStore();
    let release!: () => void;
    const stalled = new Promise<boolean>((resolve) => (release = () => resolve(false)));
    store.renew = () => stalled;
    const a = keeper(store, 'a', 150);
    await a.start();
    await sleep(200);
    expect(a.held).toBe(false);
    release();
  });

  it('invalidate steps down without asking the store', async () => {
    const store = new MemoryCheckpointStore();
    const a = keeper(store, 'a');
    await a.start();
    const reasons: string[] = [];
    a.on('lost', (_lease, reason) => reasons.push(reason));
    a.invalidate('save refused');
    a.invalidate('again');
    expect(reasons).toEqual(['save refused']);
    expect(a.held).toBe(false);
  });

  it('stop aborts a pending acquisition', async () => {
    const store = new MemoryCheckpointStore();
    await store.acquire('model', 'other', 10_000);
    const a = keeper(store, 'a');
    const pending = a.start();
    await sleep(50);
    await a.stop();
    await expect(pending).rejects.toThrow(/stopped/);
  });

  it('rejects a renewal interval that is not shorter than the ttl', () => {
    expect(
      () =>
        new LeaseKeeper(new MemoryCheckpointStore(), {
          name: 'm',
          owner: 'a',
          ttlMs: 100,
          renewEveryMs: 100,
        }),
    ).toThrow(RangeError);
  });
});
