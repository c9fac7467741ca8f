import type { Alert } from './alert.js';

/**
 * Where alerts go. `publish` makes one delivery attempt and resolves once the receiver has the
 * alert; it throws a retriable error (see src/core/errors.ts `isRetriable`) when a later attempt
 * may succeed. Retries, backoff and dead-lettering belong to the {@link Outbox} wrapping a durable
 * channel, so each channel file stays about the transport.
 */
export interface AlertChannel {
  /** Instance name from the config (also the outbox sub-folder). */
  readonly name: string;
  /** Registry type: webhook, kafka, table, log. */
  readonly type: string;
  publish(alert: Alert): Promise<void>;
  close?(): Promise<void>;
}
