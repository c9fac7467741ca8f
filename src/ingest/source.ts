import type { Positions, RecordBatch } from '../core/event.js';

/** Partitions handed to or taken from this instance by a consumer-group rebalance. */
export interface PartitionListener {
  onAssigned?(partitions: { topic: string; partition: number }[]): Promise<void> | void;
  onRevoked?(partitions: { topic: string; partition: number }[]): Promise<void> | void;
}

/**
 * Where records come from. Batches are pulled, so a slow pipeline holds the source back
 * (back-pressure) instead of buffering without bound.
 */
export interface Source {
  readonly kind: string;
  /** Connects; `positions` (from a checkpoint) override committed offsets. */
  start(positions?: Positions, listener?: PartitionListener): Promise<void>;
  /** The next batch; `null` at end of input (finite sources) or after close. */
  next(): Promise<RecordBatch | null>;
  /** Commits positions (the next offset to read per partition) after their results are durable. */
  commit(positions: Positions): Promise<void>;
  pause(): void;
  resume(): void;
  /** Throws when the source is unreachable (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
