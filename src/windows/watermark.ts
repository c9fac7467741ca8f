/**
 * Watermarks with bounded out-of-orderness, per partition. A partition's watermark is the largest
 * event time it has shown minus `maxOutOfOrderness`; the pipeline's is the minimum over active
 * partitions. Events with `ts < watermark` are late. A partition silent for `idleTimeoutMs` of wall
 * time stops holding the pipeline back until it sends again. With `idleTimeoutMs = 0` (replay and
 * file modes) only event time matters, so runs are deterministic.
 */
export class WatermarkTracker {
  private readonly maxTs = new Map<string, number>();
  private readonly lastSeen = new Map<string, number>();
  /** Never decreases, even when a partition rejoins behind it. */
  private current = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxOutOfOrderness: number,
    private readonly idleTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that `partition` showed an event at `ts`. */
  observe(partition: string, ts: number): void {
    const prev = this.maxTs.get(partition);
    if (prev === undefined || ts > prev) this.maxTs.set(partition, ts);
    if (this.idleTimeoutMs > 0) this.lastSeen.set(partition, this.now());
  }

  /** Registers a partition before its first event, so it holds the watermark back from the start. */
  addPartition(partition: string): void {
    if (!this.maxTs.has(partition)) this.maxTs.set(partition, Number.NEGATIVE_INFINITY);
    if (this.idleTimeoutMs > 0) this.lastSeen.set(partition, this.now());
  }

  /** Forgets a partition (revoked by a rebalance). */
  removePartition(partition: string): void {
    this.maxTs.delete(partition);
    this.lastSeen.delete(partition);
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
      if (wm > this.current) this.current = wm;
    }
    return this.current;
  }

  /** End of input: everything may fire. */
  finish(): void {
    this.current = Number.POSITIVE_INFINITY;
  }

  toJSON(): { current: number | null; maxTs: [string, number | null][] } {
    return {
      current: Number.isFinite(this.current) ? this.current : null,
      maxTs: [...this.maxTs].map(([p, ts]) => [p, Number.isFinite(ts) ? ts : null]),
    };
  }

  restore(state: ReturnType<WatermarkTracker['toJSON']>): void {
    this.current = state.current ?? Number.NEGATIVE_INFINITY;
    this.maxTs.clear();
    for (const [p, ts] of state.maxTs) this.maxTs.set(p, ts ?? Number.NEGATIVE_INFINITY);
  }
}
