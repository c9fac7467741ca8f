import { ERROR_CODES, StreamlearnError, type ErrorCode } from '../../core/errors.js';
import type { PackedBatch } from './packed-batch.js';

/** Main thread → Kafka worker. Requests with an `id` get one `reply` with that id. */
export type ToWorker =
  | { type: 'start'; id: number }
  | { type: 'commit'; id: number; positions: Record<string, string> }
  | { type: 'close'; id: number }
  /** The main thread takes `batches` more batches (it grants one per batch it hands on). */
  | { type: 'credit'; batches: number }
  | { type: 'pause' }
  | { type: 'resume' };

/** Kafka worker → main thread. */
export type FromWorker =
  | { type: 'reply'; id: number; error?: SerializedError }
  | { type: 'batch'; batch: PackedBatch }
  /** The source's input ended (`next()` gave null). */
  | { type: 'end' }
  /** Fetching failed; the source is unusable. */
  | { type: 'error'; error: SerializedError }
  | { type: 'assigned'; partitions: { topic: string; partition: number }[] }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; fields: Record<string, unknown>; msg: string };

/** An error as it crosses threads: what the runtime reads of it (code, retriable) and its text. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  retriable?: boolean;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  if (err.stack !== undefined) out.stack = err.stack;
  const { code, retriable } = err as { code?: unknown; retriable?: unknown };
  if (typeof code === 'string') out.code = code;
  if (typeof retriable === 'boolean') out.retriable = retriable;
  return out;
}

/** The error again, a `StreamlearnError` when it was one (so retry decisions stay the same). */
export function deserializeError(e: SerializedError): Error {
  if (e.code !== undefined && e.code in ERROR_CODES) {
    const err = new StreamlearnError(e.code as ErrorCode, e.message, {
      ...(e.retriable === undefined ? {} : { retriable: e.retriable }),
    });
    if (e.stack !== undefined) err.stack = e.stack;
    return err;
  }
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}
