import type { Event } from '../core/event.js';
import type { Row } from '../sinks/sink.js';
import type { Json } from './aggregator.js';

/** What happened to an event offered to a window. */
export type AddOutcome =
  | { accepted: true }
  /** Too late for every window it belongs to (beyond allowed lateness): goes to the late output. */
  | { accepted: false; windowStart: number; windowEnd: number; lateByMs: number };

/** The outcome of every accepted event: one shared object, not one per event and window. */
export const ACCEPTED: AddOutcome = Object.freeze({ accepted: true });

/**
 * A window operator: events in, versioned rows out when the watermark moves. Implementations
 * (one file per window type) keep all state needed for `snapshot`/`restore`, so a restored
 * operator fed the same events emits the same rows.
 */
export interface WindowOperator {
  readonly name: string;
  /** Offers an event; `watermark` is the pipeline watermark before it (events with ts < watermark are late). */
  add(event: Event, watermark: number): AddOutcome;
  /** Fires windows the watermark passed, re-emits late updates, early results (update mode), purges. */
  advance(watermark: number): Row[];
  /**
   * The lowest watermark at which `advance` would emit anything. The runtime advances as soon as
   * the watermark reaches it, event by event, so rows and versions do not depend on how input
   * was cut into batches (replays and restores give the same output).
   */
  readonly deadline: number;
  /** Windows still open (for memory metrics). */
  readonly openWindows: number;
  snapshot(): Json;
  /** Restores a snapshot; `checkpoint` holds every window's snapshot from the same checkpoint. */
  restore(state: Json, checkpoint?: Readonly<Record<string, Json>>): void;
}
