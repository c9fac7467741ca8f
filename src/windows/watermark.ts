/**
 * Watermarks with bounded out-of-orderness, per partition. A partition's watermark is the largest
 * event time it has shown minus `maxOutOfOrderness`; the pipeline's is the minimum over active
 * partitions. Events with `ts < watermark` are late. A partition silent for `idleTimeoutMs` of wall
 * time stops holding the pipeline back until it sends again. Replays measure idleness in event time
 * instead (how far the newest event of any partition is ahead of the partition's last event), so
 * runs are deterministic.
 */
export class WatermarkTracker {
  private readonly maxTs = new Map<string, number>();
  private readonly lastSeen = new Map<string, number>();
  /** Never decreases, even when a partition rejoins behind it. */
  private currentValue = Number.NEGATIVE_INFINITY;

  private maxSeen = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    private readonly maxOutOfOrderness: number,
    private readonly idleTimeoutMs: number,
    clock: 'wall' | 'event' | (() => number) = 'wall',
  ) {
    this.now = clock === 'wall' ? Date.now : clock === 'event' ? () => this.maxSeen : clock;
  }

  /** Records that `partition` showed an event at `ts`. */
  observe(partition: string, ts: number): void {
    const prev = this.maxTs.get(partition);
    if (prev === undefined || ts > prev) this.maxTs.set(partition, ts);
    if (ts > this.maxSeen) this.maxSeen = ts;
    if (this.idleTimeoutMs > 0) this.lastSeen.set(partition, this.now());
  }

  /** Registers a partition before its first event, so it holds the watermark back from the start. */
  addPartition(partition: string): void {
    if (!this.maxTs.has(partition)) this.maxTs.set(partition, Number.NEGATIVE_INFINITY);
    if (this.idleTimeoutMs > 0) this.lastSeen.set(partition, this.now());
  }

  /**
   * Makes `partitions` the active set (a consumer-group assignment): new ones hold the watermark
   * back from the start, so a partition whose first batch comes late does not find its events
   * late; revoked ones stop counting.
   */
  assign(partitions: string[]): void {
    const wanted = new Set(partitions);
    for (const p of [...this.maxTs.keys()]) if (!wanted.has(p)) this.removePartition(p);
    for (const p of partitions) this.addPartition(p);
  }

  /** Forgets a partition (revoked by a rebalance). */
  removePartition(partition: string): void {
    this.maxTs.delete(partition);
    this.lastSeen.delete(partition);
  }

  /** Largest event time `partition` has shown (−∞ if none). */
  partitionMax(partition: string): number {
    return this.maxTs.get(partition) ?? Number.NEGATIVE_INFINITY;
  }

  /** The watermark as last computed (never recomputes). */
  get current(): number {
    return this.currentValue;
  }

  /**
   * Minimum largest-event-time over the active partitions other than `partition` (+∞ if none):
   * with it the runtime moves the watermark event by event inside one partition's batch.
   */
  minExcluding(partition: string): number {
    let min = Number.POSITIVE_INFINITY;
    const idleBefore = this.idleTimeoutMs > 0 ? this.now() - this.idleTimeoutMs : Number.NEGATIVE_INFINITY;
    for (const [p, ts] of this.maxTs) {
      if (p === partition || (this.lastSeen.get(p) ?? Number.POSITIVE_INFINITY) < idleBefore) continue;
      if (ts < min) min = ts;
    }
    return min;
  }

  get outOfOrderness(): number {
    return this.maxOutOfOrderness;
  }

  /** The pipeline watermark after the latest observations. */
  get watermark(): number {
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    const idleBefore = this.idleTimeoutMs > 0 ? this.now() - this.idleTimeoutMs : Number.NEGATIVE_INFINITY;
    for (const [partition, ts] of this.maxTs) {
      if ((this.lastSeen.get(partition) ?? Number.POSITIVE_INFINITY) < idleBefore) continue;
      active++;
      if (ts < min) min = ts;
    }
    if (active > 0 && Number.isFinite(min)) {
      const wm = min - this.maxOutOfOrderness;
      if (wm > this.currentValue) this.currentValue = wm;
    }
    return this.currentValue;
  }

  /** End of input: everything may fire. */
  finish(): void {
    this.currentValue = Number.POSITIVE_INFINITY;
  }

  toJSON(): WatermarkState {
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      current: finite(this.currentValue),
      maxSeen: finite(this.maxSeen),
      maxTs: [...this.maxTs].map(([p, ts]) => [p, finite(ts)]),
      // idle clocks restart on restore in wall mode; in event mode they are part of the result
      lastSeen: [...this.lastSeen].map(([p, t]) => [p, finite(t)]),
    };
  }

  restore(state: WatermarkState): void {
    this.currentValue = state.current ?? Number.NEGATIVE_INFINITY;
    this.maxSeen = state.maxSeen ?? Number.NEGATIVE_INFINITY;
    this.maxTs.clear();
    for (const [p, ts] of state.maxTs) this.maxTs.set(p, ts ?? Number.NEGATIVE_INFINITY);
    this.lastSeen.clear();
    if (this.idleTimeoutMs <= 0) return;
    const wall = this.now === Date.now;
    for (const [p, t] of state.lastSeen ?? [])
      this.lastSeen.set(p, wall ? this.now() : (t ?? Number.NEGATIVE_INFINITY));
  }
}

export interface WatermarkState {
  current: number | null;
  maxSeen?: number | null;
  maxTs: [string, number | null][];
  lastSeen?: [string, number | null][];
}
