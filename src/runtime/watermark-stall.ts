/**
 * Notices a partition that holds the pipeline watermark back by saying nothing. With
 * `watermark.idleTimeout` at 0 every assigned partition counts, so one that never sends — an empty
 * partition of a keyed topic, a producer that stopped — keeps the watermark where it is and no
 * window fires, while input goes on and the offsets move: the pipeline looks healthy and writes
 * nothing. That is Flink's semantics too (idleness is opt-in), and its most common surprise; this
 * watch turns it into a warning that names the partition and the setting.
 *
 * Wall time: the watch is about a live source (a file replay sees every partition it has).
 */
export class WatermarkStallWatch {
  /** When each assigned partition last delivered an event (or was assigned, before its first). */
  private readonly lastEventAt = new Map<string, number>();
  /** Partitions warned about since they last sent (one warning per silence). */
  private readonly warned = new Set<string>();
  private latestEventAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** How long a partition may be silent while others send before it is reported. */
    private readonly afterMs: number,
    private readonly now: () => number,
  ) {}

  /** The consumer group's assignment: new partitions start their silence now, revoked ones are forgotten. */
  assigned(partitions: readonly string[]): void {
    const wanted = new Set(partitions);
    for (const p of [...this.lastEventAt.keys()]) {
      if (wanted.has(p)) continue;
      this.lastEventAt.delete(p);
      this.warned.delete(p);
    }
    const now = this.now();
    for (const p of partitions) if (!this.lastEventAt.has(p)) this.lastEventAt.set(p, now);
  }

  /** `partition` delivered events (called per non-empty batch: one map write). */
  delivered(partition: string): void {
    const now = this.now();
    this.lastEventAt.set(partition, now);
    this.latestEventAt = now;
    if (this.warned.size > 0) this.warned.delete(partition);
  }

  /**
   * Partitions silent for `afterMs` while another partition delivered within that time, and not
   * yet reported in this silence, with how long each has been silent. Empty while every partition
   * is quiet: a stream that paused as a whole holds nothing back that a watermark could pass.
   */
  silent(): { partition: string; silentMs: number }[] {
    const now = this.now();
    if (now - this.latestEventAt >= this.afterMs) return [];
    const out: { partition: string; silentMs: number }[] = [];
    for (const [partition, at] of this.lastEventAt)
      if (now - at >= this.afterMs && !this.warned.has(partition))
        out.push({ partition, silentMs: now - at });
    return out;
  }

  /** `partition` was reported: not again until it sends. */
  reported(partition: string): void {
    this.warned.add(partition);
  }
}
