import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StreamlearnError } from '../core/errors.js';
import { sleep } from '../core/retry.js';
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
import { syncFile, unlinkQuiet, writeAtomic, writeSynced } from '../core/durable-fs.js';

export interface FileStoreOptions {
  /** Root folder; one sub-folder per checkpoint name. */
  dir: string;
  /** Wall clock, injectable for tests. */
  now?: () => number;
  /** A critical-section file older than this whose holder we cannot see alive is broken. Default 10 s. */
  staleMutexMs?: number;
  /** How long to wait for the critical section before failing (retriable). Default 5 s. */
  mutexTimeoutMs?: number;
}

interface LeaseFile {
  owner: string;
  token: number;
  expiresAt: number;
}

interface IndexFile {
  /** Highest version assigned; never goes down, even when old versions are trimmed. */
  version: number;
  versions: CheckpointVersion[];
}

/**
 * Embedded checkpoint store: a folder per name holding `<version>.ckpt` files, `index.json`
 * (version metadata), `lease.json` (`{owner, token, expiresAt}`) and `token` (the fencing counter).
 *
 * Every data file is written to a temp file, fsync'd, then renamed into place (and the folder
 * fsync'd), so a reader sees a whole version or none. Readers take no lock.
 *
 * Writers (acquire, renew, release, and the commit step of save/rollback) run inside a critical
 * section: a `.mutex` file created with `open(…, 'wx')` (O_CREAT|O_EXCL, atomic on local file
 * systems). The lease and fencing-token checks and the rename that publishes a version happen
 * inside it, so a writer whose lease was taken over is refused even by another process on the same
 * machine — the same guarantee Redis gives with a Lua script. The one best-effort part is recovery
 * from a crash *inside* the (millisecond-long) critical section: a `.mutex` whose pid is dead, or
 * that is older than `staleMutexMs`, is broken, and two processes breaking the same stale file at
 * the same instant could both enter. Leases are single-machine: expiry uses this machine's clock.
 * Use the Redis store for several machines.
 */
export class FileCheckpointStore implements VersionedCheckpointStore {
  readonly kind = 'file';
  private readonly root: string;
  private readonly now: () => number;
  private readonly staleMutexMs: number;
  private readonly mutexTimeoutMs: number;
  /** In-process queue per folder, so our own callers wait on a promise instead of polling the file. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(options: FileStoreOptions) {
    if (!options.dir) throw new RangeError('file checkpoint store needs a dir');
    this.root = options.dir;
    this.now = options.now ?? Date.now;
    this.staleMutexMs = options.staleMutexMs ?? 10_000;
    this.mutexTimeoutMs = options.mutexTimeoutMs ?? 5_000;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    checkName(name);
    checkOwner(owner);
    checkTtl(ttlMs);
    return this.critical(name, async (dir) => {
      const cur = await readJson<LeaseFile>(join(dir, 'lease.json'));
      const now = this.now();
      if (cur && cur.expiresAt > now && cur.owner !== owner) return null;
      const token = ((await readJson<number>(join(dir, 'token'))) ?? 0) + 1;
      await writeAtomic(dir, 'token', JSON.stringify(token));
      await writeAtomic(
        dir,
        'lease.json',
        JSON.stringify({ owner, token, expiresAt: now + ttlMs } satisfies LeaseFile),
      );
      return { name, owner, token };
    });
  }

  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    checkName(lease.name);
    checkTtl(ttlMs);
    return this.critical(lease.name, async (dir) => {
      if (!this.holds(await readJson<LeaseFile>(join(dir, 'lease.json')), lease)) return false;
      const next: LeaseFile = { owner: lease.owner, token: lease.token, expiresAt: this.now() + ttlMs };
      await writeAtomic(dir, 'lease.json', JSON.stringify(next));
      return true;
    });
  }

  async release(lease: Lease): Promise<void> {
    checkName(lease.name);
    await this.critical(lease.name, async (dir) => {
      const cur = await readJson<LeaseFile>(join(dir, 'lease.json'));
      if (cur && cur.owner === lease.owner && cur.token === lease.token)
        await unlinkQuiet(join(dir, 'lease.json'));
    });
  }

  async save(name: string, lease: Lease, data: Uint8Array, keep = DEFAULT_KEEP): Promise<number> {
    checkName(name);
    checkKeep(keep);
    const dir = this.dirOf(name);
    await this.io(() => mkdir(dir, { recursive: true }));
    // The slow part (writing and syncing the bytes) happens before the critical section.
    const tmp = join(dir, `.tmp-${randomUUID()}`);
    try {
      await this.io(() => writeSynced(tmp, data));
      return await this.critical(name, (d) => this.commit(d, name, lease, keep, tmp, data.byteLength));
    } finally {
      await unlinkQuiet(tmp); // gone already when committed
    }
  }

  async rollback(name: string, lease: Lease, version: number, keep = DEFAULT_KEEP): Promise<number> {
    checkName(name);
    checkKeep(keep);
    checkVersion(version);
    return this.critical(name, async (dir) => {
      const index = await readIndex(dir);
      const old = index.versions.find((v) => v.version === version);
      if (!old) {
        this.checkLease(
          await readJson<LeaseFile>(join(dir, 'lease.json')),
          await readJson<number>(join(dir, 'token')),
          lease,
        );
        throw versionNotFound(name, version);
      }
      // Inside the critical section, so the source cannot be trimmed while we copy it.
      const tmp = join(dir, `.tmp-${randomUUID()}`);
      try {
        await copyFile(join(dir, `${version}.ckpt`), tmp);
        await syncFile(tmp);
        return await this.commit(dir, name, lease, keep, tmp, old.bytes);
      } finally {
        await unlinkQuiet(tmp);
      }
    });
  }

  async load(name: string): Promise<{ version: number; data: Uint8Array } | null> {
    checkName(name);
    const dir = this.dirOf(name);
    // A writer may trim the version we just read from the index; read the index again then.
    for (let attempt = 0; attempt < 5; attempt++) {
      const last = (await this.io(() => readIndex(dir))).versions.at(-1);
      if (!last) return null;
      const data = await this.io(() => readBytes(join(dir, `${last.version}.ckpt`)));
      if (data) return { version: last.version, data };
    }
    throw new StreamlearnError(
      'SL_ERR_CHECKPOINT',
      `checkpoint ${name}: newest version kept disappearing while loading`,
    );
  }

  async loadVersion(name: string, version: number): Promise<Uint8Array | null> {
    checkName(name);
    if (!Number.isInteger(version) || version < 1) return null;
    const dir = this.dirOf(name);
    const index = await this.io(() => readIndex(dir));
    if (!index.versions.some((v) => v.version === version)) return null;
    return this.io(() => readBytes(join(dir, `${version}.ckpt`)));
  }

  async listVersions(name: string): Promise<CheckpointVersion[]> {
    checkName(name);
    return (await this.io(() => readIndex(this.dirOf(name)))).versions;
  }

  async ping(): Promise<void> {
    await this.io(() => mkdir(this.root, { recursive: true }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()]);
  }

  /** Publishes `tmp` as the next version; runs inside the critical section. */
  private async commit(
    dir: string,
    name: string,
    lease: Lease,
    keep: number,
    tmp: string,
    size: number,
  ): Promise<number> {
    if (lease.name !== name) throw leaseLost(lease, 'not-held', `lease is for ${lease.name}`);
    this.checkLease(
      await readJson<LeaseFile>(join(dir, 'lease.json')),
      await readJson<number>(join(dir, 'token')),
      lease,
    );
    const index = await readIndex(dir);
    const version = index.version + 1;
    await rename(tmp, join(dir, `${version}.ckpt`));
    index.version = version;
    index.versions.push({ version, token: lease.token, createdAt: this.now(), bytes: size });
    const trimmed = index.versions.splice(0, Math.max(0, index.versions.length - keep));
    await writeAtomic(dir, 'index.json', JSON.stringify(index));
    // Only after the index no longer names them, so a reader never finds a listed version missing for good.
    await Promise.all(trimmed.map((v) => unlinkQuiet(join(dir, `${v.version}.ckpt`))));
    return version;
  }

  private checkLease(cur: LeaseFile | null, newest: number | null, lease: Lease): void {
    if (!this.holds(cur, lease)) throw leaseLost(lease, 'not-held');
    if (newest !== lease.token) throw leaseLost(lease, 'stale-token');
  }

  private holds(cur: LeaseFile | null, lease: Lease): boolean {
    return (
      cur !== null && cur.owner === lease.owner && cur.token === lease.token && cur.expiresAt > this.now()
    );
  }

  private dirOf(name: string): string {
    return join(this.root, encodeURIComponent(name));
  }

  /** Runs `fn` holding the folder's critical section: first our in-process queue, then the `.mutex` file. */
  private async critical<T>(name: string, fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = this.dirOf(name);
    const prev = this.queues.get(dir) ?? Promise.resolve();
    let done!: () => void;
    const tail = prev.then(() => new Promise<void>((resolve) => (done = resolve)));
    this.queues.set(dir, tail);
    await prev;
    try {
      await this.io(() => mkdir(dir, { recursive: true }));
      const mutex = join(dir, '.mutex');
      await this.lockFile(mutex, name);
      try {
        return await this.io(() => fn(dir));
      } finally {
        await unlinkQuiet(mutex);
      }
    } finally {
      done();
      if (this.queues.get(dir) === tail) this.queues.delete(dir);
    }
  }

  private async lockFile(path: string, name: string): Promise<void> {
    const deadline = Date.now() + this.mutexTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 20)) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw wrap(err);
      }
      if (await this.isStale(path)) {
        await unlinkQuiet(path);
        continue;
      }
      if (Date.now() > deadline) {
        throw new StreamlearnError(
          'SL_ERR_CHECKPOINT',
          `checkpoint ${name}: critical section ${path} busy for ${this.mutexTimeoutMs} ms`,
        );
      }
      await sleep(wait + Math.random() * wait);
    }
  }

  private async isStale(path: string): Promise<boolean> {
    try {
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      if (Date.now() - info.mtimeMs > this.staleMutexMs) return true;
      const pid = Number(text);
      if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
      try {
        process.kill(pid, 0);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ESRCH';
      }
    } catch {
      return false; // vanished: just try again
    }
  }

  private async io<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw wrap(err);
    }
  }
}

function wrap(err: unknown): unknown {
  if (err instanceof StreamlearnError || err instanceof RangeError || err instanceof TypeError) return err;
  return new StreamlearnError('SL_ERR_CHECKPOINT', `file checkpoint store: ${(err as Error).message}`, {
    cause: err,
  });
}

async function readJson<T>(path: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    // files are replaced by rename, never written in place: this is damage, not a write in
    // progress, and waiting will not mend it
    throw new StreamlearnError(
      'SL_ERR_CHECKPOINT',
      `file checkpoint store: ${path} is damaged (${(err as Error).message}); restore it from a backup, or remove its folder to start that state afresh`,
      { cause: err, retriable: false },
    );
  }
}

async function readIndex(dir: string): Promise<IndexFile> {
  return (await readJson<IndexFile>(join(dir, 'index.json'))) ?? { version: 0, versions: [] };
}

async function readBytes(path: string): Promise<Uint8Array | null> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
