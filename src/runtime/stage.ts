import type { Event } from '../core/event.js';
import type { Row, TableSpec } from '../sinks/sink.js';
import type { Json } from '../windows/aggregator.js';

/** Where an event came from, for stages that record positions (predictions, alerts). */
export interface EventOrigin {
  /** `topic:partition` */
  partition: string;
  offset: string;
}

/**
 * A consumer of decoded events inside the pipeline, beside the windows: the online learner and the
 * drift monitor are stages. The runtime feeds every accepted event to every stage in event-time
 * order (ties by partition, then offset), each once the watermark has passed it — the same order
 * in every run, whatever the partitions' interleaving (see EventTimeOrder),
 * collects the rows stages produce for the sink, and checkpoints all stages together with the
 * source positions (one atomic checkpoint), so a restart neither re-learns nor skips an event.
 *
 * Stages must be deterministic functions of their input (event time, never wall time, decides
 * anything that reaches a table), so a replay or a restore gives the same rows.
 */
export interface Stage {
  readonly name: string;
  /**
   * The event fields the stage reads besides `ts` and `key`. Events leave out declared fields that
   * neither a window nor a stage reads; a stage without this list gets every field.
   */
  readonly fields?: readonly string[];
  /** Tables the stage writes (created by the runtime before the first event). */
  tables(): TableSpec[];
  /**
   * Called for each accepted event, in event-time order. `watermark` is the watermark that released it.
   * `origin` is reused from event to event: copy its fields, never keep the object.
   */
  onEvent(event: Event, origin: EventOrigin, watermark: number): void;
  /** Called when the watermark moves (after a batch, and at end of input with +Infinity). */
  onWatermark?(watermark: number): void;
  /** Rows produced since the last call, by table; the runtime writes them durably before committing. */
  drainRows(): Map<string, Row[]>;
  /** How many rows `drainRows` would return now (so the runtime writes early past a bound). */
  readonly pendingRows?: number;
  /** State for the pipeline checkpoint. */
  snapshot(): Json;
  /** Restores `snapshot()`'s state; the runtime awaits a returned promise before feeding events. */
  restore(state: Json): void | Promise<void>;
  /**
   * Called after a checkpoint holding this stage's state is durable (e.g. the learner then publishes
   * a model version, an alert outbox hands over to its channels).
   */
  afterCheckpoint?(): Promise<void>;
  /** Releases resources (connections, timers) at shutdown. */
  close?(): Promise<void>;
}
