import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { syncDir } from '../../core/durable-fs.js';
import { join } from 'node:path';
import { isRetriable } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { backoffDelay } from '../../core/retry.js';
import type { Alert } from './alert.js';
import type { AlertChannel } from './channel.js';

export interface OutboxOptions {
  /** Folder of this outbox (one per channel). */
  dir: string;
  channel: AlertChannel;
  /** Attempts before an alert goes to `dead-letter.jsonl`. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Delivered ids remembered for dedup; the record is compacted to this many at open. */
  keepIds?: number;
  logger?: Logger;
  /** Wall clock and jitter source, injectable for tests. */
  now?: () => number;
  random?: () => number;
}

interface Item {
  file: string;
  alert: Alert;
  attempts: number;
  dueAt: number;
}

const PENDING = 'pending';
const DELIVERED = 'delivered.log';
const DEAD = 'dead-letter.jsonl';

/**
 * A durable outbox in front of one channel, as a folder of files:
 * - `pending/<seq>-<id>.json`: one file per alert to deliver, written (tmp + fsync + rename + dir
 *   fsync) before {@link enqueue} resolves, so it survives a crash or restart;
 * - `delivered.log`: ids delivered (fsync'd line per id), loaded at open: an id delivered before is
 *   never queued again, so a replay that raises the same alert does not resend it;
 * - `dead-letter.jsonl`: alerts given up after `maxAttempts` (or a non-retriable answer).
 *
 * A background loop delivers in order, retrying with exponential backoff and full jitter
 * ({@link backoffDelay}). On success it records the id, then removes the file. A crash between the
 * receiver's 2xx and that record resends the alert once after restart — the only duplicate, which
 * receivers drop by the alert id (`X-Streamlearn-Alert-Id`, the Kafka key).
 */
export class Outbox {
  private readonly queue: Item[] = [];
  private readonly settled = new Set<string>();
  private readonly queued = new Set<string>();
  private seq = 0;
  private log: FileHandle | null = null;
  private loop: Promise<void> | null = null;
  private closed = false;
  private wakeUp: (() => void) | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  /** Delivered and dead-lettered since open (metrics, tests). */
  readonly stats = { delivered: 0, failedAttempts: 0, deadLettered: 0 };

  private constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Opens (creating) the folder, loads the delivered ids and the pending alerts. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const box = new Outbox(options);
    await box.load();
    return box;
  }

  get channel(): AlertChannel {
    return this.options.channel;
  }

  /** Alerts waiting for delivery. */
  get pending(): number {
    return this.queue.length;
  }

  /** Whether `id` was delivered (or dead-lettered) already. */
  isSettled(id: string): boolean {
    return this.settled.has(id);
  }

  /**
   * Durably queues the alerts not delivered or queued before (dedup by id); resolves once their
   * files are on disk. Returns how many were queued.
   */
  async enqueue(alerts: readonly Alert[]): Promise<number> {
    const dir = join(this.options.dir, PENDING);
    const fresh: Item[] = [];
    for (const alert of alerts) {
      if (this.settled.has(alert.id) || this.queued.has(alert.id)) continue;
      this.queued.add(alert.id);
      const name = `${String(++this.seq).padStart(12, '0')}-${alert.id}.json`;
      const tmp = join(dir, `.${name}.tmp`);
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify(alert));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, name));
      fresh.push({ file: join(dir, name), alert, attempts: 0, dueAt: 0 });
    }
    if (fresh.length === 0) return 0;
    await syncDir(dir);
    this.queue.push(...fresh);
    this.wakeUp?.();
    return fresh.length;
  }

  /** Starts the background delivery loop (idempotent). */
  start(): void {
    this.loop ??= this.run().catch((err) => this.options.logger?.error({ err }, 'alert outbox loop failed'));
  }

  /** Resolves when nothing is pending (rejects after `timeoutMs`). */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.queue.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`outbox ${this.channel.name}: ${this.queue.length} still pending`)),
        timeoutMs,
      );
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops the loop after the attempt in flight; pending alerts stay on disk for the next open. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.();
    await this.loop;
    await this.log?.close();
    this.log = null;
  }

  private async load(): Promise<void> {
    const { dir } = this.options;
    const pendingDir = join(dir, PENDING);
    await mkdir(pendingDir, { recursive: true });
    const ids = (await readText(join(dir, DELIVERED))).split('\n').filter(Boolean);
    for (const id of ids) this.settled.add(id);
    for (const line of (await readText(join(dir, DEAD))).split('\n')) {
      if (!line) continue;
      try {
        this.settled.add((JSON.parse(line) as { id: string }).id);
      } catch {
        // a torn last line: that alert is also still in pending/ and will be dead-lettered again
      }
    }
    const keep = this.options.keepIds ?? 100_000;
    if (ids.length > 2 * keep) {
      const tmp = join(dir, `.${DELIVERED}.tmp`);
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(`${ids.slice(-keep).join('\n')}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, DELIVERED));
    }
    this.log = await open(join(dir, DELIVERED), 'a');
    const names = (await readdir(pendingDir)).sort();
    for (const name of names) {
      const file = join(pendingDir, name);
      const m = /^(\d{12})-([0-9a-f]+)\.json$/.exec(name);
      if (!m) {
        if (name.startsWith('.')) await rm(file, { force: true }); // an unfinished write
        continue;
      }
      this.seq = Math.max(this.seq, Number(m[1]));
      const id = m[2]!;
      if (this.settled.has(id) || this.queued.has(id)) {
        await rm(file, { force: true }); // delivered just before a crash, or queued twice
        continue;
      }
      this.queued.add(id);
      this.queue.push({
        file,
        alert: JSON.parse(await readFile(file, 'utf8')) as Alert,
        attempts: 0,
        dueAt: 0,
      });
    }
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let next = Infinity;
      for (const item of [...this.queue]) {
        if (this.closed) return;
        if (item.dueAt > this.now()) {
          next = Math.min(next, item.dueAt);
          continue;
        }
        await this.attempt(item);
        if (this.queue.includes(item)) next = Math.min(next, item.dueAt);
      }
      if (this.queue.length === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
      await this.sleepUntil(next);
    }
  }

  private async attempt(item: Item): Promise<void> {
    const { channel, maxAttempts, logger } = this.options;
    try {
      await channel.publish(item.alert);
    } catch (err) {
      item.attempts++;
      this.stats.failedAttempts++;
      if (!isRetriable(err) || item.attempts >= maxAttempts) {
        await this.deadLetter(item, err);
        return;
      }
      item.dueAt = this.now() + Math.max(1, backoffDelay(item.attempts - 1, this.options));
      if (item.attempts === 1 || item.attempts % 5 === 0)
        logger?.warn(
          { channel: channel.name, id: item.alert.id, attempt: item.attempts, err: (err as Error).message },
          'alert delivery failed; retrying',
        );
      return;
    }
    await this.log!.appendFile(`${item.alert.id}\n`);
    await this.log!.datasync();
    this.settle(item);
    this.stats.delivered++;
    await rm(item.file, { force: true });
  }

  private async deadLetter(item: Item, err: unknown): Promise<void> {
    const line = JSON.stringify({
      id: item.alert.id,
      channel: this.options.channel.name,
      attempts: item.attempts,
      error: (err as Error).message,
      at: this.now(),
      alert: item.alert,
    });
    const fh = await open(join(this.options.dir, DEAD), 'a');
    try {
      await fh.appendFile(`${line}\n`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.settle(item);
    this.stats.deadLettered++;
    this.options.logger?.error(
      { channel: this.options.channel.name, id: item.alert.id, attempts: item.attempts },
      'alert dead-lettered',
    );
    await rm(item.file, { force: true });
  }

  private settle(item: Item): void {
    this.settled.add(item.alert.id);
    this.queued.delete(item.alert.id);
    this.queue.splice(this.queue.indexOf(item), 1);
  }

  private sleepUntil(due: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const ms = Number.isFinite(due) ? Math.max(0, due - this.now()) : 60_000;
      const timer = setTimeout(done, ms);
      timer.unref(); // an idle outbox does not keep the process alive
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
