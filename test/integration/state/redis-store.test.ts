import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/child-process.js';
import { StreamlearnError } from '../../../src/core/errors.js';
import { RedisCheckpointStore } from '../../../src/state/redis-store.js';
import { checkpointConformance } from '../../state/conformance.js';

// The real Redis from scripts/services.sh. Missing Redis fails these tests: it is not a reason to skip.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `sltest:${Date.now().toString(36)}-${randomUUID().slice(0, 8)}:`;
const FIXTURE = fileURLToPath(new URL('./fixtures/learner-proc.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

checkpointConformance(`redis (${REDIS_URL})`, async () => {
  const prefix = `${RUN}conf:`;
  const store = new RedisCheckpointStore({ url: REDIS_URL, keyPrefix: prefix });
  await store.ping().catch((err: unknown) => {
    throw new Error(
      `Redis at ${REDIS_URL} does not answer (start it with scripts/services.sh up): ${(err as Error).message}`,
    );
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deletePrefix(prefix);
    },
  };
});

// Every key this run wrote, whichever test wrote it, and whether it passed or not.
afterAll(async () => {
  await deletePrefix(RUN);
});

describe('RedisCheckpointStore against the real Redis', () => {
  it('keeps everything under its key prefix, the bytes stored raw', async () => {
    const prefix = `${RUN}keys:`;
    const store = new RedisCheckpointStore({ url: REDIS_URL, keyPrefix: prefix });
    const raw = new Redis(REDIS_URL);
    try {
      const lease = (await store.acquire('m', 'a', 5_000))!;
      await store.save('m', lease, new Uint8Array([0, 255, 0]));
      const keys: string[] = [];
      for await (const batch of raw.scanStream({ match: `${prefix}*` })) keys.push(...(batch as string[]));
      expect(keys.sort()).toEqual([
        `${prefix}ckpt:m:1`,
        `${prefix}ckpt:m:latest`,
        `${prefix}ckpt:m:versions`,
        `${prefix}lease:m`,
        `${prefix}token:m`,
        `${prefix}ver:m`,
      ]);
      expect([...(await raw.getBuffer(`${prefix}ckpt:m:1`))!]).toEqual([0, 255, 0]);
      expect(await raw.get(`${prefix}lease:m`)).toBe(`a:${lease.token}`);
      expect(await raw.pttl(`${prefix}lease:m`)).toBeGreaterThan(4_000);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('turns an unreachable Redis into a quick, retriable SL_ERR_CHECKPOINT', async () => {
    const port = await freePort();
    const store = new RedisCheckpointStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: `${RUN}down:` });
    const started = Date.now();
    const err = await store.acquire('m', 'a', 1_000).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(StreamlearnError);
    expect((err as StreamlearnError).code).toBe('SL_ERR_CHECKPOINT');
    expect((err as StreamlearnError).retriable).toBe(true);
    await store.close();
  });

  it('fails fast during an outage and reconnects by itself when Redis returns', async () => {
    // A private redis-server, so stopping it disturbs nobody else.
    const port = await freePort();
    const start = async (): Promise<ChildProcess> => {
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      const probe = new Redis({
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined); // refused until the server listens
      for (let i = 0; ; i++) {
        try {
          await probe.connect();
          await probe.ping();
          probe.disconnect();
          return proc;
        } catch {
          probe.disconnect();
          if (i > 50) throw new Error('private redis-server did not start');
          await sleep(100);
        }
      }
    };
    let server = await start();
    const store = new RedisCheckpointStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'outage:' });
    try {
      const lease = (await store.acquire('m', 'a', 60_000))!;
      expect(await store.save('m', lease, new Uint8Array([1]))).toBe(1);

      server.kill('SIGKILL');
      await once(server, 'exit');
      const started = Date.now();
      const err = await store.save('m', lease, new Uint8Array([2])).catch((e: unknown) => e);
      expect((err as StreamlearnError).code).toBe('SL_ERR_CHECKPOINT');
      expect((err as StreamlearnError).retriable).toBe(true);
      expect(Date.now() - started).toBeLessThan(3_000);

      server = await start(); // empty: it kept nothing, as --save '' asks
      let lease2 = null;
      for (let i = 0; i < 50 && !lease2; i++)
        lease2 = await store.acquire('m', 'a', 60_000).catch(() => sleep(100).then(() => null));
      expect(lease2).not.toBeNull();
      expect(await store.save('m', lease2!, new Uint8Array([3]))).toBe(1);
    } finally {
      await store.close();
      server.kill('SIGKILL');
    }
  });
});

describe('two learner processes racing for one lease (real processes, real Redis)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('refuses the paused former holder: nothing it writes after the takeover lands', async () => {
    const prefix = `${RUN}race:`;
    const name = 'learner';
    const a = learner(children, { OWNER: 'A', CHECK_HELD: '0', KEY_PREFIX: prefix, NAME: name });
    await a.waitFor((e) => e.event === 'saved' && (e.counter as number) >= 3, 15_000);
    const b = learner(children, { OWNER: 'B', KEY_PREFIX: prefix, NAME: name });
    await b.waitFor((e) => e.event === 'started', 15_000);
    await sleep(300);
    expect(b.events.some((e) => e.event === 'acquired')).toBe(false); // B waits while A holds

    a.proc.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const bAcquired = await b.waitFor((e) => e.event === 'acquired', 5_000);
    await b.waitFor(
      (e) => e.event === 'saved' && (e.counter as number) >= (bAcquired.counter as number) + 3,
      5_000,
    );
    await sleep(Math.max(0, 3_000 - (Date.now() - stoppedAt)));
    a.proc.kill('SIGCONT');

    const refusal = await a.waitFor((e) => e.event === 'REFUSED', 5_000);
    await a.waitFor((e) => e.event === 'stopped', 5_000);
    await sleep(300); // B keeps writing after A's refused attempt
    b.proc.kill('SIGTERM');
    await b.waitFor((e) => e.event === 'stopped', 5_000);

    const aToken = a.events.find((e) => e.event === 'acquired')!.token as number;
    const bToken = bAcquired.token as number;
    expect(bToken).toBeGreaterThan(aToken);
    expect(refusal.token).toBe(aToken);
    expect(refusal.t as number).toBeGreaterThan(bAcquired.t as number); // A really tried to write after B took over
    // Every save A saw succeed got a version below B's first: Redis ran it before the takeover
    // (a reply may reach A only after SIGCONT, if the pause landed while it was in flight).
    const firstVersionOfB = b.events.find((e) => e.event === 'saved')!.version as number;
    for (const e of a.events.filter((e) => e.event === 'saved'))
      expect(e.version as number).toBeLessThan(firstVersionOfB);

    // The truth is what Redis holds.
    const store = new RedisCheckpointStore({ url: REDIS_URL, keyPrefix: prefix });
    try {
      const versions = await store.listVersions(name);
      const rows = await Promise.all(
        versions.map(async (v) => {
          const payload = JSON.parse(
            new TextDecoder().decode((await store.loadVersion(name, v.version))!),
          ) as { owner: string; token: number; counter: number };
          // The token Redis recorded for the write (metadata) is the one the writer put in the payload.
          expect(v.token).toBe(payload.token);
          return { version: v.version, ...payload };
        }),
      );
      const firstOfB = rows.findIndex((r) => r.owner === 'B');
      expect(firstOfB).toBeGreaterThan(0);
      expect(rows[firstOfB]!.version).toBe(firstVersionOfB);
      for (const r of rows.slice(0, firstOfB)) expect([r.owner, r.token]).toEqual(['A', aToken]);
      for (const r of rows.slice(firstOfB)) expect([r.owner, r.token]).toEqual(['B', bToken]);
      // One unbroken history: B resumed from A's last checkpoint, and A's refused write is absent.
      expect(rows.map((r) => r.counter)).toEqual(rows.map((_, i) => i + 1));
      expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i + 1));
      expect(bAcquired.counter).toBe(rows[firstOfB - 1]!.counter);
      expect(rows.some((r) => r.owner === 'A' && r.counter === refusal.counter)).toBe(false);
      expect(rows.length).toBe(b.events.filter((e) => e.event === 'saved').at(-1)!.version);
    } finally {
      await store.close();
    }
  }, 30_000);
});

function learner(children: ChildProcess[], env: Record<string, string>): JsonLinesChild {
  return spawnJsonLines(
    FIXTURE,
    ROOT,
    { REDIS_URL, TTL_MS: '1500', INTERVAL_MS: '100', ...env },
    children,
    env.OWNER,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
