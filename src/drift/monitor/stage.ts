import type { AlertRecord, AlertService, DriftService, FeatureDrift } from '../../api/context.js';
import type { PipelineConfig } from '../../core/config/index.js';
import type { Event } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import type { Stage } from '../../runtime/stage.js';
import type { Row, TableSpec } from '../../sinks/sink.js';
import type { Json } from '../../windows/aggregator.js';
import type { Alert } from '../alerts/alert.js';
import type { AlertChannel } from '../alerts/channel.js';
import { AlertDispatcher } from '../alerts/index.js';
import { ALERTS_TABLE } from '../alerts/table.js';
import { DriftMonitor } from './monitor.js';
import { readReferenceEvents } from './reference-file.js';
import { DRIFT_SCORES_TABLE } from './tables.js';

/** Alerts kept for the API (`AlertService.list`), newest last; also kept in the checkpoint. */
const RECENT_ALERTS = 500;

/**
 * The drift monitor as a pipeline {@link Stage}, and the API's {@link DriftService} and
 * {@link AlertService}. Scores go to `drift_scores` and (with a `table` channel) alerts to
 * `alerts` through {@link drainRows}. Other channels get an alert only once a checkpoint holding
 * the events that raised it is durable: {@link snapshot} seals the alerts raised so far (and keeps
 * them in the checkpoint), {@link afterCheckpoint} writes them to the durable outboxes. A crash
 * before that hand-over restores them from the checkpoint and hands them over next time; a crash
 * before the checkpoint replays the events and raises them again with the same ids. The outboxes
 * deduplicate by id either way.
 */
export class DriftMonitorStage implements Stage, DriftService, AlertService {
  readonly name = 'drift';
  /** Raised since the last snapshot. */
  private raised: Alert[] = [];
  /** In a snapshot, not yet handed to the channels. */
  private sealed: Alert[] = [];
  private recent: Alert[] = [];

  constructor(
    readonly monitor: DriftMonitor,
    readonly dispatcher: AlertDispatcher | null = null,
  ) {
    monitor.onAlert((alert) => {
      this.raised.push(alert);
      this.recent.push(alert);
      if (this.recent.length > RECENT_ALERTS) this.recent.splice(0, this.recent.length - RECENT_ALERTS);
      this.dispatcher?.table?.add(alert);
    });
  }

  get fields(): readonly string[] {
    return this.monitor.eventFields;
  }

  tables(): TableSpec[] {
    return this.dispatcher?.table ? [DRIFT_SCORES_TABLE, ALERTS_TABLE] : [DRIFT_SCORES_TABLE];
  }

  onEvent(event: Event): void {
    this.monitor.observeEvent(event);
  }

  drainRows(): Map<string, Row[]> {
    const out = new Map<string, Row[]>([[DRIFT_SCORES_TABLE.name, this.monitor.drainScores()]]);
    const table = this.dispatcher?.table;
    if (table) out.set(ALERTS_TABLE.name, table.drain());
    return out;
  }

  snapshot(): Json {
    if (this.raised.length > 0) {
      this.sealed = [...this.sealed, ...this.raised];
      this.raised = [];
    }
    return {
      monitor: this.monitor.toJSON(),
      unhanded: this.sealed as unknown as Json,
      recent: this.recent as unknown as Json,
    };
  }

  restore(state: Json): void {
    const s = state as { monitor: Json; unhanded: Json; recent: Json };
    this.monitor.restore(s.monitor);
    this.sealed = s.unhanded as unknown as Alert[];
    this.recent = s.recent as unknown as Alert[];
    this.raised = [];
  }

  async afterCheckpoint(): Promise<void> {
    const batch = this.sealed;
    if (batch.length === 0) return;
    await this.dispatcher?.dispatch(batch);
    this.sealed = this.sealed.slice(batch.length);
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  scores(): FeatureDrift[] {
    return this.monitor.scores();
  }

  summary(): { driftedShare: number; datasetDrift: boolean; evaluatedAt: number | null } {
    return this.monitor.summary();
  }

  /**
   * Pins the current windows as the reference, between two events (JavaScript runs the pipeline's
   * batch loop and this call one at a time). The new reference is in the next checkpoint; a crash
   * before it replays with the old reference — pinning is an operator action, not part of the stream.
   */
  async pinReference(): Promise<void> {
    this.monitor.pinReference();
  }

  async list(since?: number, limit = 100): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    for (let i = this.recent.length - 1; i >= 0 && out.length < limit; i--) {
      const a = this.recent[i]!;
      if (since === undefined || a.eventTime >= since) out.push({ ...a });
    }
    return out;
  }
}

export interface DriftStageOptions {
  logger?: Logger;
  /** Extra durable channels (tests), each behind its own outbox like the configured ones. */
  channels?: { channel: AlertChannel; maxAttempts: number; initialDelayMs: number; maxDelayMs: number }[];
  /** Start the outboxes' delivery loops (default true). */
  deliver?: boolean;
}

/**
 * Builds the drift stage of a pipeline from its config (null when `drift` is not configured):
 * reads the reference file, opens the outboxes and starts their delivery loops.
 */
export async function createDriftStage(
  config: PipelineConfig,
  options: DriftStageOptions = {},
): Promise<DriftMonitorStage | null> {
  const drift = config.drift;
  if (!drift) return null;
  const referenceEvents =
    drift.reference.type === 'file'
      ? await readReferenceEvents(drift.reference.path, config.schema)
      : undefined;
  const monitor = new DriftMonitor({ pipeline: config.pipeline, config: drift, referenceEvents });
  const dispatcher = await AlertDispatcher.create(drift.alerts, { logger: options.logger }, options.channels);
  if (options.deliver ?? true) dispatcher.start();
  return new DriftMonitorStage(monitor, dispatcher);
}
