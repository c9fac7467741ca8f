import { EventEmitter } from 'node:events';
import { backoffDelay, sleep } from '../core/retry.js';
import type { CheckpointStore, Lease } from './checkpoint-store.js';

export interface LeaseKeeperOptions {
  name: string;
  owner: string;
  ttlMs: number;
  /** Default ttl/3: two renewals may fail before the lease can expire. */
  renewEveryMs?: number;
  /** Backoff between acquisition attempts (jittered). Defaults: 100 ms up to ttl/2. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface LeaseKeeperEvents {
  acquired: [lease: Lease];
  /** The lease is gone: a renewal was refused, or renewals failed until it may have expired. */
  lost: [lease: Lease, reason: string];
  /** A store call failed (the keeper keeps trying); for logs and metrics. Optional, unlike EventEmitter's usual `error`. */
  error: [err: unknown];
}

/**
 * Holds a lease for as long as it is wanted: acquires it (retrying with backoff while another
 * owner holds it or the store is down), renews it every ttl/3, and emits `lost` when it cannot.
 * Callers check {@link LeaseKeeper.held} before learning or writing, and the store's fencing
 * check refuses any write that slips through anyway.
 *
 * `held` is conservative: besides the store's answers it counts the ttl from the moment the last
 * successful renewal was *sent*, so a process that was paused (GC, SIGSTOP) reads `held === false`
 * as soon as it resumes, before any renewal.
 *
 * @example
 * const keeper = new LeaseKeeper(store, { name: 'orders.model', owner: hostname(), ttlMs: 10_000 });
 * keeper.on('lost', () => learner.pause());
 * const lease = await keeper.start();
 * if (keeper.held) await store.save('orders.model', lease, bytes);
 * await keeper.stop();
 */
export class LeaseKeeper extends EventEmitter<LeaseKeeperEvents> {
  private current: Lease | null = null;
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopper = new AbortController();
  private readonly renewEveryMs: number;

  constructor(
    private readonly store: CheckpointStore,
    private readonly options: LeaseKeeperOptions,
  ) {
    super();
    if (!Number.isInteger(options.ttlMs) || options.ttlMs <= 0)
      throw new RangeError(`ttlMs must be a positive integer`);
    this.renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(options.ttlMs / 3));
    if (this.renewEveryMs >= options.ttlMs) throw new RangeError(`renewEveryMs must be shorter than ttlMs`);
  }

  /** True while the lease is ours as far as this process can tell. */
  get held(): boolean {
    return this.current !== null && Date.now() < this.validUntil;
  }

  /** The lease, while held. */
  get lease(): Lease | null {
    return this.held ? this.current : null;
  }

  /**
   * Acquires the lease, waiting while another owner holds it; resolves with it, or rejects when
   * `signal` aborts or {@link stop} is called first. Calling it again after `lost` re-acquires.
   */
  async start(signal?: AbortSignal): Promise<Lease> {
    if (this.held) return this.current!;
    this.stopper = new AbortController();
    const abort = signal ? AbortSignal.any([signal, this.stopper.signal]) : this.stopper.signal;
    const { name, owner, ttlMs } = this.options;
    const delays = {
      initialDelayMs: this.options.initialDelayMs ?? 100,
      maxDelayMs: this.options.maxDelayMs ?? Math.max(100, ttlMs / 2),
    };
    for (let attempt = 0; ; attempt++) {
      abort.throwIfAborted();
      const sentAt = Date.now();
      try {
        const lease = await this.store.acquire(name, owner, ttlMs);
        if (lease) {
          if (abort.aborted) {
            // Stopped while acquiring: hand it straight back rather than hold it until it expires.
            await this.store.release(lease).catch((err: unknown) => this.report(err));
            abort.throwIfAborted();
          }
          this.current = lease;
          this.validUntil = sentAt + ttlMs;
          this.schedule();
          this.emit('acquired', lease);
          return lease;
        }
      } catch (err) {
        if (abort.aborted) throw err;
        this.report(err);
      }
      await sleep(Math.max(10, backoffDelay(Math.min(attempt, 10), delays)), abort);
    }
  }

  /**
   * Steps down without asking the store, e.g. after a save was refused with `SL_ERR_LEASE_LOST`.
   * Emits `lost` (once).
   */
  invalidate(reason: string): void {
    const lease = this.current;
    this.clearTimer();
    this.current = null;
    this.validUntil = 0;
    if (lease) this.emit('lost', lease, reason);
  }

  /** Stops renewing and releases the lease (best effort: if the store is down it simply expires). */
  async stop(): Promise<void> {
    this.stopper.abort(new Error('lease keeper stopped'));
    this.clearTimer();
    const lease = this.current;
    this.current = null;
    this.validUntil = 0;
    if (!lease) return;
    try {
      await this.store.release(lease);
    } catch (err) {
      this.report(err);
    }
  }

  private schedule(): void {
    this.clearTimer();
    this.timer = setTimeout(() => void this.renew(), this.renewEveryMs);
  }

  private async renew(): Promise<void> {
    const lease = this.current;
    if (!lease) return;
    const sentAt = Date.now();
    let ok: boolean;
    try {
      ok = await this.store.renew(lease, this.options.ttlMs);
    } catch (err) {
      if (this.current !== lease) return;
      this.report(err);
      // Unknown outcome: keep trying until the lease may have expired, then give up.
      if (Date.now() >= this.validUntil)
        this.invalidate(`renewal failed until the lease expired: ${(err as Error).message}`);
      else this.schedule();
      return;
    }
    if (this.current !== lease) return; // stopped or invalidated meanwhile
    if (!ok) return this.invalidate('renewal refused: the lease expired or was taken over');
    this.validUntil = sentAt + this.options.ttlMs;
    this.schedule();
  }

  /**
   * Emits `error` for whoever logs or counts store failures. Only with a listener: an `error`
   * event nobody listens to would throw (EventEmitter) and crash the process in a Redis outage,
   * the very failure the keeper exists to ride out.
   */
  private report(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
