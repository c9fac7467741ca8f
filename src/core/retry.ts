import { isRetriable } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included; `Infinity` retries until `signal` aborts. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Multiplier per attempt. */
  factor?: number;
  /** Decides whether an error is worth another attempt; defaults to {@link isRetriable}. */
  retryIf?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Source of randomness for jitter, so tests can be deterministic. */
  random?: () => number;
}

/** Exponential backoff with "full jitter": a uniform delay in [0, min(max, initial·factor^n)]. */
export function backoffDelay(
  attempt: number,
  opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'random'>,
): number {
  const cap = Math.min(opts.maxDelayMs, opts.initialDelayMs * (opts.factor ?? 2) ** attempt);
  return Math.round(cap * (opts.random ?? Math.random)());
}

/**
 * Runs `fn` until it succeeds, the error is not retriable, attempts run out, or `signal` aborts.
 * Programming errors (TypeError and friends) are never retried.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const retryIf = opts.retryIf ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt + 1 >= opts.attempts || !retryIf(err) || opts.signal?.aborted) throw err;
      const delay = Math.max(1, backoffDelay(attempt, opts));
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}

/** A promise that resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
