import { hostname } from 'node:os';
import type { PipelineConfig } from '../core/config/index.js';
import { positionKey, type Event, type Positions, type RawRecord, type RecordBatch } from '../core/event.js';
import { StreamlearnError, isRetriable } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { retry } from '../core/retry.js';
import { createEventDecoder, type EventDecoder } from '../ingest/decoder.js';
import { deadLetterOf, type DeadLetterOutput } from '../ingest/dead-letter.js';
import type { Source } from '../ingest/source.js';
import type { Row, Sink, TableSpec } from '../sinks/sink.js';
import type { CheckpointStore } from '../state/checkpoint-store.js';
import { LeaseKeeper } from '../state/lease-keeper.js';
import {
  createWindows,
  windowTableSpec,
  WatermarkTracker,
  type WindowOperator,
  type WindowSpec,
} from '../windows/index.js';
import type { Json } from '../windows/aggregator.js';
import type { WatermarkState } from '../windows/watermark.js';
import { decodeCheckpoint, encodeCheckpoint, type WindowCheckpoint } from './checkpoint.js';
import { EventTimeOrder } from './event-time-order.js';
import type { Metrics } from './metrics.js';
import type { EventOrigin, Stage } from './stage.js';
import { WatermarkStallWatch } from './watermark-stall.js';

export interface PipelineParts {
  config: PipelineConfig;
  source: Source;
  sink: Sink;
  deadLetter: DeadLetterOutput;
  store: CheckpointStore;
  metrics: Metrics;
  logger: Logger;
  /** Idle detection uses wall time; replays pass idleTimeout 0 and never read it. */
  now?: () => number;
  /** Listeners of emitted rows (API live stream, tests). */
  onRows?: (table: string, rows: Row[]) => void;
  /** Stages fed every accepted event beside the windows (learner, drift monitor). */
  stages?: Stage[];
  /** Called after each batch (tests use it to stop or crash at a chosen moment). */
  onBatch?: (stats: PipelineStats) => void;
  /**
   * `global` (default): one checkpoint and one lease hold the state of every partition, and
   * stages are allowed. `partitioned`: window state is kept, checkpointed and leased per source
   * partition, so instances in one consumer group share the partitions and one takes over another's
   * (Kafka Streams' task model), and each partition keeps its own watermark so it is judged the
   * same whichever instance holds it. Correct when the group-by key decides the partition
   * (co-partitioning); stages need every event and are refused in this scope.
   */
  scope?: 'global' | 'partitioned';
  /** How long a silent partition may hold the watermark back before a warning (default 60 s). */
  silentPartitionWarnMs?: number;
  /** Checkpoint and lease name (per partition: `<name>.<topic>:<partition>`); default `<pipeline>.windows`. */
  checkpointName?: string;
}

export interface PipelineStats {
  records: number;
  accepted: number;
  rejected: number;
  late: number;
  rowsWritten: number;
  checkpoints: number;
  watermark: number | null;
  startedAt: number;
}

interface RunningWindow {
  spec: WindowSpec;
  operator: WindowOperator;
  table: TableSpec;
}

/**
 * Window state with one owner: every partition (global scope) or one partition. A task has its
 * own checkpoint and lease, so the partition can move to another instance with its state.
 */
interface Task {
  /** Checkpoint and lease name. */
  name: string;
  /** `topic:partition` in partitioned scope; null for the global task. */
  partition: string | null;
  windows: RunningWindow[];
  keeper: LeaseKeeper;
  /**
   * Partitioned scope: the task's own watermark (its partition's largest event time − the bound),
   * checkpointed with its state. Kafka Streams' stream time per task: a partition moving to an
   * instance whose other partitions are further ahead (or behind) keeps its own time, so its
   * events are judged exactly as on its previous owner. Global scope uses the tracker instead.
   */
  watermark: number;
  /** Positions in the restored checkpoint: records before them are already in the state. */
  restored: Positions;
}

/**
 * Pending rows at which a sink write starts in the background, while input goes on being read
 * (so the sink's work overlaps ours instead of following it). Large enough that ClickHouse gets
 * few, large inserts (every insert is a new part to merge).
 */
const WRITE_BEHIND_ROWS = 20_000;
/** Pending rows beyond this, with a write still running, wait for it (bounded memory). */
const MAX_PENDING_ROWS = 100_000;
/** An event this far ahead of its record's timestamp is reported (schema.maxTimeAhead unset). */
const FAR_AHEAD_MS = 24 * 3_600_000;
/**
 * Epoch ms before 1973-03-03: read as epoch ms, a field holding epoch seconds of any time since
 * 1970 lands before this, so an event time earlier than it is reported once (timeFormat epoch_ms).
 */
const SECONDS_READ_AS_MS = 1e11;
/** A partition silent this long while others send is reported as holding the watermark back. */
const SILENT_PARTITION_WARN_MS = 60_000;
/**
 * Dead letters buffered beyond this many bytes are flushed before more input is read, so a flood
 * of bad input between checkpoints cannot fill memory. (Flushing ahead of the checkpoint keeps
 * them at least once: a restart from the previous checkpoint may write some again, as before.)
 */
const MAX_PENDING_DEAD_LETTER_BYTES = 8 << 20;

/**
 * The runtime of one pipeline: source → decode → windows → sink, with dead letters, watermarks
 * and checkpoints. Offsets are committed only after the rows and the dead letters they produced
 * are durable and a checkpoint of the window state at those offsets is saved: a crash at any
 * moment replays from the checkpoint and re-emits the same keyed, versioned rows.
 */
export class Pipeline {
  readonly stats: PipelineStats = {
    records: 0,
    accepted: 0,
    rejected: 0,
    late: 0,
    rowsWritten: 0,
    checkpoints: 0,
    watermark: null,
    startedAt: Date.now(),
  };
  /** The configured windows (specs and tables; each task runs its own operators of them). */
  readonly windows: { spec: WindowSpec; table: TableSpec }[];
  private readonly decoder: EventDecoder;
  private readonly scope: 'global' | 'partitioned';
  private readonly tasks = new Map<string, Task>();
  private global: Task | null = null;
  /** The consumer group's latest assignment (partitioned scope); null until the source tells. */
  private assignment: Set<string> | null = null;
  private readonly watermarks: WatermarkTracker;
  /** Partitions already reported for an event far ahead of its record's timestamp. */
  private readonly farAheadReported = new Set<string>();
  private secondsAsMsReported = false;
  /** Live sources without idle detection: reports a silent partition holding the watermark back. */
  private readonly stallWatch: WatermarkStallWatch | null;
  private readonly positions: Positions = {};
  private pending = new Map<string, Row[]>();
  private pendingCount = 0;
  /** The background write started by {@link writeBehind}, until a flush waits for it. */
  private writing: Promise<void> | null = null;
  /** A checkpoint finishing in the background (see {@link checkpoint}), until the next one waits for it. */
  private checkpointing: Promise<void> | null = null;
  /** The last dead-letter flush: flushes run one at a time (outputs are not re-entrant). */
  private deadLetterFlush: Promise<void> = Promise.resolve();
  private readonly stopper = new AbortController();
  private readonly checkpointName: string;
  private readonly owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private lastCheckpointAt = 0;
  private crashed = false;
  private readonly now: () => number;
  /** Stages see events in event-time order, released by the watermark (see EventTimeOrder). */
  private readonly stageOrder = new EventTimeOrder();
  private readonly origin: EventOrigin = { partition: '', offset: '' }; // reused: no allocation per event
  private readonly deliverToStages = (event: Event, partition: string, offset: string): void => {
    const origin = this.origin;
    origin.partition = partition;
    origin.offset = offset;
    for (const stage of this.stages) stage.onEvent(event, origin, this.releaseWatermark);
  };
  private releaseWatermark = Number.NEGATIVE_INFINITY;
  /** Last failure per dependency, cleared on success (for /readyz). */
  readonly health = new Map<'source' | 'sink' | 'checkpoint', string | null>();

  constructor(private readonly parts: PipelineParts) {
    const { config } = parts;
    this.now = parts.now ?? Date.now;
    // file replays measure idleness in event time, so the same file always gives the same rows
    const idleClock = config.source.type === 'file' ? 'event' : this.now;
    this.watermarks = new WatermarkTracker(
      config.watermark.maxOutOfOrderness,
      config.watermark.idleTimeout,
      idleClock,
    );
    this.windows = this.newWindows().map(({ spec, table }) => ({ spec, table }));
    this.decoder = createEventDecoder(config.schema, { keep: this.fieldsRead() });
    this.scope = parts.scope ?? 'global';
    // one watermark over all partitions (global scope) is what a silent one can hold back; a
    // partitioned pipeline moves each partition's windows with that partition alone
    this.stallWatch =
      this.scope === 'global' && config.source.type === 'kafka' && config.watermark.idleTimeout === 0
        ? new WatermarkStallWatch(parts.silentPartitionWarnMs ?? SILENT_PARTITION_WARN_MS, this.now)
        : null;
    if (this.scope === 'partitioned' && this.stages.length > 0)
      throw new StreamlearnError(
        'SL_ERR_CONFIG',
        'stages (learner, drift monitor) need every event: run them in a global-scope pipeline',
      );
    this.checkpointName = parts.checkpointName ?? `${config.pipeline}.windows`;
  }

  private newWindows(): RunningWindow[] {
    const { config } = this.parts;
    return createWindows(config.pipeline, config.windows).map(({ spec, operator }) => ({
      spec,
      operator,
      table: windowTableSpec(spec, config.schema),
    }));
  }

  /** The event fields windows and stages read; undefined when a stage may read any. */
  private fieldsRead(): ReadonlySet<string> | undefined {
    const fields = new Set<string>();
    for (const { spec } of this.windows) {
      for (const g of spec.groupBy) fields.add(g);
      for (const c of spec.columns) if (c.field !== undefined) fields.add(c.field);
    }
    for (const stage of this.stages) {
      if (stage.fields === undefined) return undefined;
      for (const f of stage.fields) fields.add(f);
    }
    return fields;
  }

  /** Tables this pipeline writes. */
  get tables(): TableSpec[] {
    return [...this.windows.map((w) => w.table), ...this.stages.flatMap((s) => s.tables())];
  }

  get stages(): Stage[] {
    return this.parts.stages ?? [];
  }

  /** Asks a running pipeline to stop after the current batch, checkpointing what it has. */
  stop(): void {
    if (this.stopping) return;
    this.stopper.abort(new StreamlearnError('SL_ERR_UNAVAILABLE', 'pipeline stopping'));
  }

  /**
   * Stops as a crash would: no final flush or checkpoint, so what was written after the last
   * checkpoint is redone by the next run (tests of effectively-once use it).
   */
  crash(): void {
    this.crashed = true;
    this.stop();
  }

  get stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Runs until the source ends (finite sources) or {@link stop}; resolves with the stats. */
  async run(): Promise<PipelineStats> {
    const { source, sink, logger, config } = this.parts;
    await this.untilDone('sink', () => sink.ensureTables(this.tables));
    if (this.scope === 'global') this.global = await this.openTask(null);
    await this.untilDone('source', () =>
      source.start({ ...(this.global?.restored ?? {}) }, { onAssigned: (ps) => this.onAssigned(ps) }),
    );
    this.lastCheckpointAt = this.now();
    logger.info(
      {
        pipeline: config.pipeline,
        scope: this.scope,
        source: source.kind,
        sink: sink.kind,
        windows: this.windows.map((w) => w.spec.name),
      },
      'pipeline running',
    );
    try {
      let ended = false;
      while (!this.stopping) {
        const batch = await source.next();
        if (batch === null) {
          ended = !this.stopping;
          break;
        }
        if (this.scope === 'partitioned') {
          await this.closeRevokedTasks();
          if (!(await this.openTaskOf(batch))) continue;
        }
        this.process(batch);
        if (this.stallWatch !== null) this.reportSilentPartitions(this.stallWatch);
        this.parts.onBatch?.(this.stats);
        if (this.crashed) break;
        if (this.rowsPending() >= WRITE_BEHIND_ROWS) await this.writeBehind();
        if (this.parts.deadLetter.pendingBytes >= MAX_PENDING_DEAD_LETTER_BYTES)
          await this.flushDeadLetters();
        if (this.now() - this.lastCheckpointAt >= config.checkpoint.interval)
          await this.checkpoint(this.stages.length === 0);
      }
      if (ended) {
        // end of input: every window may fire
        this.watermarks.finish();
        this.advance();
      }
      if (!this.crashed) await this.checkpoint(false);
    } finally {
      await this.checkpointing?.catch(() => undefined);
      await this.writing?.catch(() => undefined);
      for (const task of this.tasks.values()) await task.keeper.stop().catch(() => undefined);
      await source.close().catch(() => undefined);
      for (const stage of this.stages) await stage.close?.().catch(() => undefined);
    }
    return this.stats;
  }

  /** A rebalance: new partitions hold the watermark back; revoked ones are closed before the next batch. */
  private onAssigned(partitions: { topic: string; partition: number }[]): void {
    const keys = partitions.map((p) => positionKey(p.topic, p.partition));
    this.watermarks.assign(keys);
    this.stallWatch?.assigned(keys);
    this.assignment = new Set(keys);
    this.parts.logger.info({ partitions: keys.sort() }, 'partitions assigned');
  }

  /**
   * Drops the state of partitions the group took away and hands their leases back, without a
   * checkpoint: the new owner replays them from their last checkpoint and re-emits the same keyed,
   * versioned rows, so nothing is lost or doubled.
   */
  private async closeRevokedTasks(): Promise<void> {
    const assignment = this.assignment;
    if (assignment === null) return;
    for (const [partition, task] of this.tasks) {
      if (assignment.has(partition)) continue;
      // a checkpoint in flight saves with this task's lease: let it finish before handing it back
      await this.settleCheckpoint();
      this.tasks.delete(partition);
      delete this.positions[partition];
      await task.keeper.stop().catch(() => undefined);
      this.parts.logger.info({ partition }, 'partition revoked: its state moves to its new owner');
    }
  }

  /**
   * Makes sure the batch's partition has its task (partitioned scope): waits for the partition's
   * lease (a previous owner may still hold it until it notices the rebalance or its lease expires),
   * then restores its state. False when the batch belongs to a partition no longer assigned here.
   */
  private async openTaskOf(batch: RecordBatch): Promise<boolean> {
    if (batch.records.length === 0) return true;
    const partition = positionKey(batch.topic, batch.partition);
    if (this.assignment !== null && !this.assignment.has(partition)) return false;
    if (!this.tasks.has(partition)) await this.openTask(partition);
    return !this.stopping;
  }

  /** Takes the task's lease (waiting for it) and restores its state from its checkpoint. */
  private async openTask(partition: string | null): Promise<Task> {
    const { store, logger, config } = this.parts;
    const name = partition === null ? this.checkpointName : `${this.checkpointName}.${partition}`;
    const keeper = new LeaseKeeper(store, { name, owner: this.owner, ttlMs: config.checkpoint.leaseTtl });
    keeper.on('error', (err) =>
      logger.warn({ lease: name, err: (err as Error).message }, 'lease store unavailable; retrying'),
    );
    keeper.on('lost', (_lease, reason) => {
      logger.error({ lease: name, reason }, 'lost a pipeline lease: another instance took over; stopping');
      this.stop();
    });
    const task: Task = {
      name,
      partition,
      windows: this.newWindows(),
      keeper,
      watermark: Number.NEGATIVE_INFINITY,
      restored: {},
    };
    if (partition !== null) this.tasks.set(partition, task);
    else this.tasks.set('*', task);
    await keeper.start(this.stopper.signal);
    const stored = await this.untilDone('checkpoint', () => store.load(name));
    if (stored) {
      await this.restoreTask(
        task,
        decodeCheckpoint(stored.data, `checkpoint ${name} version ${stored.version}`),
      );
      logger.info({ checkpoint: name, version: stored.version, positions: task.restored }, 'restored state');
    }
    return task;
  }

  /** Decodes a batch, feeds the windows and moves the watermark. */
  private process(batch: RecordBatch): void {
    if (batch.records.length === 0) {
      // a heartbeat from an idle source: idle partitions may now let the watermark move
      this.advance();
      return;
    }
    const part = positionKey(batch.topic, batch.partition);
    const { deadLetter, metrics, config } = this.parts;
    const task = this.global ?? this.tasks.get(part)!;
    // records before the partition's position are in the state already: restored from the
    // checkpoint, or handed out again by a client that refetched from the committed offset
    const skipBelow = Number(this.positions[part] ?? 0);
    const windows = task.windows;
    const tracker = this.watermarks;
    const perTask = this.global === null;
    // the watermark moves event by event (not per batch), so output does not depend on batching;
    // per task (partitioned scope) it follows the partition alone
    const othersMin = perTask ? Number.POSITIVE_INFINITY : tracker.minExcluding(part);
    const ooo = tracker.outOfOrderness;
    let partMax = tracker.partitionMax(part);
    let watermark = perTask ? task.watermark : tracker.current;
    const order = this.stages.length > 0 ? this.stageOrder : null;
    let accepted = 0;
    let rejected = 0;
    let late = 0;
    const decoder = this.decoder;
    // with schema.maxTimeAhead set the decoder rejects such events; unset, they are reported
    const farAhead = config.schema.maxTimeAhead === undefined ? FAR_AHEAD_MS : Number.POSITIVE_INFINITY;
    const tooEarly =
      config.schema.timeFormat === 'epoch_ms' && !this.secondsAsMsReported ? SECONDS_READ_AS_MS : 0;
    // offsets ascend in a batch: once one is at the position, so are the rest
    let skipping = Number(batch.records[0]!.offset) < skipBelow;
    for (const record of batch.records) {
      if (skipping) {
        if (Number(record.offset) < skipBelow) continue; // already in the restored state
        skipping = false;
      }
      const event = decoder.decode(record);
      if (event === null) {
        const rejection = decoder.rejection;
        deadLetter.add(deadLetterOf(batch.topic, batch.partition, record, rejection));
        metrics.deadLetters.inc({ pipeline: config.pipeline, reason: rejection.reason });
        rejected++;
        continue;
      }
      accepted++;
      if (event.ts - record.ts > farAhead && record.ts > 0) this.reportFarAhead(part, event.ts, record);
      if (event.ts < tooEarly) this.reportSecondsAsMs(part, event.ts, record);
      if (order !== null) order.push(part, record.offset, event);
      for (const w of windows) {
        const outcome = w.operator.add(event, watermark);
        if (outcome.accepted) continue;
        late++;
        deadLetter.add(
          deadLetterOf(
            batch.topic,
            batch.partition,
            record,
            {
              reason: 'late',
              detail: `event ${outcome.lateByMs} ms behind the watermark, beyond the allowed lateness of window "${w.spec.name}"`,
            },
            {
              window: w.spec.name,
              windowStart: outcome.windowStart,
              windowEnd: outcome.windowEnd,
              lateByMs: outcome.lateByMs,
            },
          ),
        );
        metrics.lateEvents.inc({ pipeline: config.pipeline, window: w.spec.name });
        metrics.deadLetters.inc({ pipeline: config.pipeline, reason: 'late' });
      }
      if (event.ts > partMax) {
        partMax = event.ts;
        const candidate = Math.min(othersMin, partMax) - ooo;
        if (candidate > watermark) watermark = candidate;
      }
      if (order !== null && order.nextTs < watermark) this.releaseToStages(watermark);
      if (perTask) {
        if (watermark >= deadlineOf(windows)) this.fire(task, watermark);
      } else if (watermark >= this.deadline()) this.emit(watermark);
    }
    if (perTask) task.watermark = watermark;
    const last = batch.records[batch.records.length - 1];
    if (last !== undefined)
      this.positions[part] = String(Math.max(Number(last.offset) + 1, Number(this.positions[part] ?? 0)));
    if (last !== undefined && batch.highWatermark !== undefined) {
      const lag = Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1);
      metrics.consumerLag.set({ pipeline: config.pipeline, partition: part }, lag);
    }
    if (Number.isFinite(partMax)) tracker.observe(part, partMax);
    else tracker.addPartition(part);
    if (accepted > 0) this.stallWatch?.delivered(part);
    this.stats.records += batch.records.length;
    this.stats.accepted += accepted;
    this.stats.rejected += rejected;
    this.stats.late += late;
    metrics.events.inc({ pipeline: config.pipeline, outcome: 'accepted' }, accepted);
    if (rejected) metrics.events.inc({ pipeline: config.pipeline, outcome: 'rejected' }, rejected);
    if (late) metrics.events.inc({ pipeline: config.pipeline, outcome: 'late' }, late);
    this.advance();
  }

  /**
   * Warns (once per partition) about an event far ahead of its Kafka record's timestamp: a clock
   * that is wrong by that much moves the watermark ahead, and every later event of the stream
   * would be late.
   */
  private reportFarAhead(partition: string, ts: number, record: RawRecord): void {
    if (this.farAheadReported.has(partition)) return;
    this.farAheadReported.add(partition);
    const hours = Math.round((ts - record.ts) / 3_600_000);
    this.parts.logger.warn(
      { partition, offset: record.offset, eventTime: ts, recordTime: record.ts },
      `partition ${partition}, offset ${record.offset}: event time is ${hours} h ahead of the record's timestamp; it moves the watermark that far, so later events may all be late. Set schema.maxTimeAhead (e.g. 1h) to dead-letter such events (time_ahead) instead`,
    );
  }

  /** Warns (once) about an event time before 1973 read as epoch ms: most likely epoch seconds. */
  private reportSecondsAsMs(partition: string, ts: number, record: RawRecord): void {
    if (this.secondsAsMsReported) return;
    this.secondsAsMsReported = true;
    const field = this.parts.config.schema.timeField;
    this.parts.logger.warn(
      { partition, offset: record.offset, eventTime: ts },
      `partition ${partition}, offset ${record.offset}: event time ${ts} read as epoch ms is ${new Date(ts).toISOString()}; if "${field}" holds epoch seconds, set schema.timeFormat: epoch_s`,
    );
  }

  /**
   * Warns about each partition whose silence holds the watermark back (its newest event, if any,
   * is what the watermark waits on): no window fires until it sends or idle detection lets it go.
   */
  private reportSilentPartitions(watch: WatermarkStallWatch): void {
    for (const { partition, silentMs } of watch.silent()) {
      const last = this.watermarks.partitionMax(partition);
      if (last - this.watermarks.outOfOrderness > this.watermarks.current) continue; // not the one holding it
      watch.reported(partition);
      const seconds = Math.round(silentMs / 1000);
      this.parts.logger.warn(
        {
          partition,
          silentSeconds: seconds,
          lastEventTime: Number.isFinite(last) ? last : null,
          watermark: Number.isFinite(this.watermarks.current) ? this.watermarks.current : null,
        },
        `partition ${partition} has sent ${Number.isFinite(last) ? 'no new event' : 'no event at all'} for ${seconds} s while others did: it holds the watermark back, so windows wait for it; set watermark.idleTimeout (e.g. 30s) to let a silent partition stop holding it`,
      );
    }
  }

  /** Recomputes the watermark (idle partitions may have dropped out) and fires what it allows. */
  private advance(): void {
    const wm = this.watermarks.watermark;
    if (this.global !== null) {
      this.emit(wm);
      return;
    }
    // partitioned: each task moves with its own partition; only the end of input fires them all
    if (wm === Number.POSITIVE_INFINITY)
      for (const task of this.tasks.values()) {
        task.watermark = wm;
        this.fire(task, wm);
      }
    let min = Number.POSITIVE_INFINITY;
    for (const task of this.tasks.values()) if (task.watermark < min) min = task.watermark;
    if (Number.isFinite(min)) this.stats.watermark = min;
  }

  /** The lowest watermark at which any window emits. */
  private deadline(): number {
    if (this.global !== null) return deadlineOf(this.global.windows);
    let d = Number.POSITIVE_INFINITY;
    for (const task of this.tasks.values()) {
      const due = deadlineOf(task.windows);
      if (due < d) d = due;
    }
    return d;
  }

  /** Hands the stages every held event the watermark `wm` has passed, in event-time order. */
  private releaseToStages(wm: number): void {
    this.releaseWatermark = wm;
    this.stageOrder.release(wm, this.deliverToStages);
  }

  /** Fires what `wm` allows and queues the rows for the sink. */
  private emit(wm: number): void {
    this.stats.watermark = Number.isFinite(wm) ? wm : this.stats.watermark;
    if (this.stageOrder.nextTs < wm) this.releaseToStages(wm);
    for (const stage of this.stages) stage.onWatermark?.(wm);
    for (const task of this.tasks.values()) this.fire(task, wm);
  }

  private fire(task: Task, wm: number): void {
    for (const w of task.windows) {
      const rows = w.operator.advance(wm);
      if (rows.length === 0) continue;
      let queue = this.pending.get(w.table.name);
      if (!queue) this.pending.set(w.table.name, (queue = []));
      for (const r of rows) queue.push(r);
      this.pendingCount += rows.length;
      this.parts.metrics.windowRows.inc(
        { pipeline: this.parts.config.pipeline, window: w.spec.name },
        rows.length,
      );
      // emit latency: wall time past a window's end (meaningful when event time tracks wall time),
      // once per window end: its rows leave together, and per row it would weigh windows by their
      // group count at a prom-client call each (rows of one end are adjacent)
      const now = Date.now();
      const latency = this.parts.metrics.windowEmitLatency.labels(this.parts.config.pipeline, w.spec.name);
      let lastEnd = Number.NaN;
      for (const r of rows) {
        if (r.retracted || r.end === lastEnd) continue;
        lastEnd = r.end as number;
        latency.observe(Math.max(0, (now - lastEnd) / 1000));
      }
      this.parts.onRows?.(w.table.name, rows);
    }
  }

  /**
   * Starts writing the pending rows in the background, unless a write is running: then input
   * goes on until MAX_PENDING_ROWS, where it waits for that write (back-pressure while the sink
   * is slow or down). A failure surfaces at the next flush; the checkpoint flushes first, so
   * offsets are still committed only after every row they depend on is written.
   */
  private async writeBehind(): Promise<void> {
    if (this.writing !== null) {
      if (this.rowsPending() < MAX_PENDING_ROWS) return;
      await this.settleWrite();
    }
    const writing = this.writeRows(this.takeRows());
    writing.catch(() => undefined); // awaited (and its error thrown) by the next flush
    this.writing = writing;
  }

  /** Rows waiting for the sink: the windows' and the stages' (predictions can be one per event). */
  private rowsPending(): number {
    let n = this.pendingCount;
    for (const stage of this.stages) n += stage.pendingRows ?? 0;
    return n;
  }

  /** Waits for the background write, if any; throws its error. */
  private async settleWrite(): Promise<void> {
    const writing = this.writing;
    this.writing = null;
    await writing;
  }

  /** The pending rows by table, the stages' included; pending is empty after. */
  private takeRows(): Map<string, Row[]> {
    for (const stage of this.stages) {
      for (const [table, rows] of stage.drainRows()) {
        if (rows.length === 0) continue;
        let queue = this.pending.get(table);
        if (!queue) this.pending.set(table, (queue = []));
        for (const r of rows) queue.push(r);
        this.parts.onRows?.(table, rows);
      }
    }
    const rows = this.pending;
    this.pending = new Map();
    this.pendingCount = 0;
    return rows;
  }

  private async writeRows(tables: Map<string, Row[]>): Promise<void> {
    const { sink, metrics, config } = this.parts;
    for (const [table, rows] of tables) {
      if (rows.length === 0) continue;
      const end = metrics.sinkWrite.startTimer({ pipeline: config.pipeline, sink: sink.kind });
      await this.untilDone(
        'sink',
        () => sink.write(table, rows),
        () => metrics.sinkFailures.inc({ pipeline: config.pipeline, sink: sink.kind }),
      );
      end();
      this.stats.rowsWritten += rows.length;
    }
  }

  /**
   * A checkpoint. The barrier is now: the pending rows, every task's state and the positions are
   * taken at once; then the rows are written, dead letters flushed, the states saved and only then
   * the positions committed, in this order only. In the `background` the rest runs while input goes
   * on (as Flink's asynchronous snapshots): later rows queue behind the barrier's, the next
   * checkpoint waits for this one, and an error surfaces there. A crash before the save restores
   * the previous checkpoint and replays, re-emitting the same keyed, versioned rows. Pipelines with
   * stages checkpoint in the foreground: a stage's `afterCheckpoint` reads its state as of the
   * barrier (the learner publishes its model version from it).
   */
  private async checkpoint(background: boolean): Promise<void> {
    await this.settleCheckpoint();
    const end = this.parts.metrics.checkpoint.startTimer({ pipeline: this.parts.config.pipeline });
    const rows = this.takeRows();
    const states = [...this.tasks.values()].map((task) => ({
      task,
      bytes: encodeCheckpoint(this.snapshotOf(task)),
    }));
    const positions = { ...this.positions };
    this.lastCheckpointAt = this.now();
    const before = this.writing;
    const rowsWritten = (async () => {
      await before;
      await this.writeRows(rows);
    })();
    rowsWritten.catch(() => undefined); // awaited below
    this.writing = rowsWritten;
    const done = this.completeCheckpoint(rowsWritten, states, positions).finally(end);
    if (!background) return done;
    done.catch(() => undefined); // awaited (and its error thrown) by the next checkpoint
    this.checkpointing = done;
  }

  /** Waits for the checkpoint finishing in the background, if any; throws its error. */
  private async settleCheckpoint(): Promise<void> {
    const checkpointing = this.checkpointing;
    this.checkpointing = null;
    await checkpointing;
  }

  /** The durable half of a checkpoint: its rows, the dead letters, the states, then the commit. */
  private async completeCheckpoint(
    rowsWritten: Promise<void>,
    states: { task: Task; bytes: Uint8Array }[],
    positions: Positions,
  ): Promise<void> {
    const { store, source, metrics, config, logger } = this.parts;
    await rowsWritten;
    if (this.writing === rowsWritten) this.writing = null;
    await this.flushDeadLetters();
    for (const { task, bytes } of states) {
      const lease = task.keeper.lease;
      if (!lease)
        throw new StreamlearnError(
          'SL_ERR_LEASE_LOST',
          `lease ${task.name} lost before checkpoint; not writing`,
        );
      await this.untilDone(
        'checkpoint',
        () => store.save(task.name, lease, bytes, 5),
        () => metrics.checkpointFailures.inc({ pipeline: config.pipeline }),
      );
    }
    try {
      await source.commit(positions);
    } catch (err) {
      // the checkpoint holds the positions: a restart seeks past what is committed
      logger.warn({ err }, 'offset commit failed; the checkpoint still records the positions');
    }
    for (const stage of this.stages) await stage.afterCheckpoint?.();
    this.stats.checkpoints++;
    for (const { spec } of this.windows) {
      let open = 0;
      for (const task of this.tasks.values())
        for (const w of task.windows) if (w.spec.name === spec.name) open += w.operator.openWindows;
      metrics.openWindows.set({ pipeline: config.pipeline, window: spec.name }, open);
    }
  }

  /** Flushes the dead letters after any flush still running (serialised: outputs are not re-entrant). */
  private flushDeadLetters(): Promise<void> {
    const flush = this.deadLetterFlush
      .catch(() => undefined)
      .then(() => this.untilDone('sink', () => this.parts.deadLetter.flush()));
    this.deadLetterFlush = flush;
    return flush;
  }

  /** What a task's checkpoint holds: its windows and positions (and, global, the stages). */
  private snapshotOf(task: Task): WindowCheckpoint {
    const windows: Record<string, Json> = {};
    for (const w of task.windows) windows[w.spec.name] = w.operator.snapshot();
    const { config } = this.parts;
    if (task.partition !== null) {
      const part = task.partition;
      const partMax = this.watermarks.partitionMax(part);
      const watermark: WatermarkState = {
        current: Number.isFinite(task.watermark) ? task.watermark : null,
        maxTs: [[part, Number.isFinite(partMax) ? partMax : null]],
      };
      const position = this.positions[part];
      return {
        format: 1,
        pipeline: config.pipeline,
        createdAt: Date.now(),
        positions: position === undefined ? {} : { [part]: position },
        watermark: watermark as unknown as Json,
        windows,
        eventsSeen: this.stats.records,
      };
    }
    const stages: Record<string, Json> = {};
    for (const stage of this.stages) stages[stage.name] = stage.snapshot();
    return {
      format: 1,
      pipeline: config.pipeline,
      createdAt: Date.now(),
      positions: { ...this.positions },
      watermark: this.watermarks.toJSON() as unknown as Json,
      windows,
      stages,
      heldForStages: this.stageOrder.toJSON(),
      eventsSeen: this.stats.records,
    };
  }

  private async restoreTask(task: Task, cp: WindowCheckpoint): Promise<void> {
    for (const w of task.windows) {
      const state = cp.windows[w.spec.name];
      if (state !== undefined) w.operator.restore(state, cp.windows);
    }
    task.restored = cp.positions;
    Object.assign(this.positions, cp.positions);
    const watermark = cp.watermark as unknown as WatermarkState;
    if (task.partition !== null) {
      // the partition's own progress; the instance watermark stays its own (min over its partitions)
      task.watermark = watermark.current ?? Number.NEGATIVE_INFINITY;
      const partMax = watermark.maxTs.find(([p]) => p === task.partition)?.[1];
      if (partMax !== null && partMax !== undefined) this.watermarks.observe(task.partition, partMax);
      return;
    }
    for (const stage of this.stages) {
      const state = cp.stages?.[stage.name];
      if (state !== undefined) await stage.restore(state);
    }
    this.stageOrder.restore(cp.heldForStages);
    this.watermarks.restore(watermark);
    this.stats.records = cp.eventsSeen;
  }

  /**
   * Runs `fn` until it succeeds: a service outage makes us wait and retry (with backoff and
   * jitter), recording the failure for /readyz; a non-retriable error is thrown.
   */
  private async untilDone<T>(
    dep: 'source' | 'sink' | 'checkpoint',
    fn: () => Promise<T>,
    onFailure?: () => void,
  ): Promise<T> {
    const result = await retry(fn, {
      attempts: Number.POSITIVE_INFINITY,
      initialDelayMs: 100,
      maxDelayMs: 5_000,
      retryIf: (err) =>
        isRetriable(err) && !(err instanceof StreamlearnError && err.code === 'SL_ERR_LEASE_LOST'),
      onRetry: (err, attempt, delay) => {
        this.health.set(dep, (err as Error).message);
        onFailure?.();
        if (attempt === 1 || attempt % 10 === 0)
          this.parts.logger.warn(
            { dep, attempt, delay, err: (err as Error).message },
            `${dep} unavailable; retrying`,
          );
      },
    });
    this.health.set(dep, null);
    return result;
  }
}

/** The lowest watermark at which one of `windows` emits. */
function deadlineOf(windows: RunningWindow[]): number {
  let d = Number.POSITIVE_INFINITY;
  for (const w of windows) if (w.operator.deadline < d) d = w.operator.deadline;
  return d;
}
