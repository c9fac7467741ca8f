import type { Event } from '../core/event.js';
import type { Row } from '../sinks/sink.js';
import type { Json } from './aggregator.js';
import { PaneStore, type PaneGroup, type PanesJson, type SortedPane } from './pane-store.js';
import { ACCEPTED, type AddOutcome, type WindowOperator } from './window-operator.js';
import { mergedWindowRow, type WindowSpec } from './window-spec.js';

/**
 * Tumbling and hopping windows over panes of `slide` ms: each event updates one pane, and a window
 * [s, s+size) is the merge of its size/slide panes when it fires. Tumbling is the case slide = size.
 * One aggregator update per event whatever the overlap, which is what makes hopping windows cheap.
 *
 * A window fires once the watermark reaches its end. Until `end + allowedLateness` a late event
 * updates it and it is re-emitted with the next version; `emit: update` also emits changed open
 * windows every `interval` of event time.
 *
 * The panes live in a {@link PaneStore}, which windows with interchangeable panes share (see
 * `createWindows`): then one of them writes the panes to checkpoints and the others write `null`.
 */
export class SlicedWindow implements WindowOperator {
  readonly name: string;
  private readonly size: number;
  private readonly slide: number;
  private readonly store: PaneStore;
  /** This window's index among the store's sharers. */
  private readonly sharer: number;
  /** The store's panes (start → group key → group). */
  private readonly panes: Map<number, Map<string, PaneGroup>>;
  /** Every window ending at or before this has fired. */
  private firedUpTo = Number.NEGATIVE_INFINITY;
  /** Last emitted version per window start and group, kept while the window can still change. */
  private readonly versions = new Map<number, Map<string, number>>();
  /** Windows needing re-emission (`end` → group keys): late updates of fired windows, changes of open ones in update mode. */
  private readonly dirty = new Map<number, Set<string>>();
  private readonly updateInterval: number;
  private lastEarlyEmit = Number.NEGATIVE_INFINITY;
  private lastPurgeBoundary = Number.NaN;
  private nextDeadline = Number.POSITIVE_INFINITY;
  /**
   * Whether an emitted window can be emitted again (late updates within the allowed lateness,
   * early results in update mode). If not, every row is version 1 and no versions are kept: they
   * would be dropped, unread, right after the window fires.
   */
  private readonly reemits: boolean;
  /** A group's pane states while its row is built (reused). */
  private readonly paneStates: unknown[][] = [];

  /** `store`: panes shared with other windows (same slide, group-by, aggregates and lateness). */
  constructor(
    private readonly spec: WindowSpec,
    store?: PaneStore,
  ) {
    const cfg = spec.config;
    if (cfg.type !== 'tumbling' && cfg.type !== 'hopping')
      throw new Error(`SlicedWindow cannot run a ${cfg.type} window`);
    this.name = spec.name;
    this.size = cfg.size;
    this.slide = cfg.type === 'hopping' ? cfg.slide : cfg.size;
    this.updateInterval = cfg.emit.mode === 'update' ? (cfg.emit.interval ?? 0) : 0;
    this.reemits = spec.allowedLateness > 0 || cfg.emit.mode === 'update';
    this.store = store ?? new PaneStore(spec, this.slide);
    if (this.store.slide !== this.slide)
      throw new Error(`window "${spec.name}": pane store of another slide`);
    this.sharer = this.store.join(this.size);
    this.panes = this.store.panes;
  }

  get deadline(): number {
    return this.nextDeadline;
  }

  /** Groups open in the panes this window reads (shared panes count for each sharer). */
  get openWindows(): number {
    return this.store.groups;
  }

  add(event: Event, watermark: number): AddOutcome {
    const ts = event.ts;
    const pane = Math.floor(ts / this.slide) * this.slide;
    const lastEnd = pane + this.size; // the last window holding this pane ends here
    if (lastEnd + this.spec.allowedLateness <= watermark) {
      return { accepted: false, windowStart: pane, windowEnd: lastEnd, lateByMs: watermark - ts };
    }
    const key = this.store.add(this.sharer, event, pane);
    if (pane + this.slide <= this.firedUpTo) {
      this.markDirty(pane, key); // a fired window changed: re-emit at once
      this.nextDeadline = Number.NEGATIVE_INFINITY;
    } else if (pane + this.slide < this.nextDeadline) {
      this.nextDeadline = pane + this.slide;
    }
    if (this.updateInterval > 0) {
      this.markDirty(pane, key);
      // the early-emission clock starts at the first event, in event time
      if (this.lastEarlyEmit === Number.NEGATIVE_INFINITY)
        this.lastEarlyEmit = Math.floor(ts / this.updateInterval) * this.updateInterval;
      this.nextDeadline = Math.min(this.nextDeadline, this.lastEarlyEmit + this.updateInterval);
    }
    return ACCEPTED;
  }

  advance(watermark: number): Row[] {
    const rows: Row[] = [];
    if (watermark > this.firedUpTo) {
      for (const end of this.endsToFire(watermark)) {
        this.dirty.delete(end); // the final emission carries every change
        this.emitWindow(end, null, rows);
      }
      this.firedUpTo = watermark;
    }
    const early = this.updateInterval > 0 && watermark >= this.lastEarlyEmit + this.updateInterval;
    for (const [end, keys] of this.dirty) {
      if (end > this.firedUpTo && !early) continue; // open windows wait for the next early emission
      if (end + this.spec.allowedLateness > watermark || end > this.firedUpTo)
        this.emitWindow(end, keys, rows);
      this.dirty.delete(end);
    }
    if (early) this.lastEarlyEmit = Math.floor(watermark / this.updateInterval) * this.updateInterval;
    this.purge(watermark);
    this.nextDeadline = this.computeDeadline();
    return rows;
  }

  /** The next window end to fire over the panes held, or the next early emission. */
  private computeDeadline(): number {
    let deadline =
      this.updateInterval > 0 && this.dirty.size > 0
        ? this.lastEarlyEmit + this.updateInterval
        : Number.POSITIVE_INFINITY;
    for (const end of this.dirty.keys()) if (end <= this.firedUpTo) return Number.NEGATIVE_INFINITY;
    for (const pane of this.panes.keys()) {
      let end = pane + this.slide;
      if (end <= this.firedUpTo)
        end = pane + (Math.floor((this.firedUpTo - pane) / this.slide) + 1) * this.slide;
      if (end <= pane + this.size && end < deadline) deadline = end;
    }
    return deadline;
  }

  snapshot(): Json {
    return {
      // a sharer other than the first leaves the panes to it and names it
      panes: this.sharer === 0 ? (this.store.toJSON() as Json) : null,
      ...(this.sharer === 0 ? {} : { panesIn: this.store.ownerName }),
      firedUpTo: finite(this.firedUpTo),
      lastEarlyEmit: finite(this.lastEarlyEmit),
      versions: this.versionEntries(),
      dirty: [...this.dirty].map(([end, keys]) => [end, [...keys]]) as Json[],
    };
  }

  restore(state: Json, checkpoint?: Readonly<Record<string, Json>>): void {
    const s = state as {
      panes: PanesJson | null;
      panesIn?: string;
      firedUpTo: number | null;
      lastEarlyEmit: number | null;
      versions: [string, number][];
      dirty: [number, string[]][];
    };
    // panes another window wrote: found there even if that window is no longer configured
    const panes = s.panes ?? (s.panesIn === undefined ? null : panesOf(checkpoint?.[s.panesIn]));
    if (panes !== null) this.store.restore(this.sharer, panes);
    this.firedUpTo = s.firedUpTo ?? Number.NEGATIVE_INFINITY;
    this.lastEarlyEmit = s.lastEarlyEmit ?? Number.NEGATIVE_INFINITY;
    this.versions.clear();
    for (const [vkey, v] of s.versions) {
      const bar = vkey.indexOf('|');
      this.versionsOf(Number(vkey.slice(0, bar))).set(vkey.slice(bar + 1), v);
    }
    this.dirty.clear();
    for (const [end, keys] of s.dirty) this.dirty.set(end, new Set(keys));
    this.lastPurgeBoundary = Number.NaN;
    this.nextDeadline = this.computeDeadline();
  }

  /** Ends in (firedUpTo, watermark] of windows holding at least one pane, ascending. */
  private endsToFire(watermark: number): number[] {
    const ends = new Set<number>();
    for (const pane of this.panes.keys()) {
      for (let end = pane + this.slide; end <= pane + this.size; end += this.slide) {
        if (end > this.firedUpTo && end <= watermark) ends.add(end);
      }
    }
    return [...ends].sort((a, b) => a - b);
  }

  /** Emits window [end-size, end) for `onlyKeys` (or every group present in its panes), in key order. */
  private emitWindow(end: number, onlyKeys: Set<string> | null, rows: Row[]): void {
    const start = end - this.size;
    const versions = this.reemits ? this.versionsOf(start) : null;
    if (onlyKeys !== null) this.emitKeys(start, end, onlyKeys, versions, rows);
    else if (this.slide === this.size) this.emitPane(start, end, versions, rows);
    else this.emitMerged(start, end, versions, rows);
    if (versions !== null && versions.size === 0) this.versions.delete(start);
  }

  /** Tumbling: a window is one pane, its groups' states are the rows' states. */
  private emitPane(start: number, end: number, versions: Map<string, number> | null, rows: Row[]): void {
    const pane = this.store.sortedGroups(start);
    if (pane === null) return;
    const one = this.paneStates;
    const { keys, groups } = pane;
    for (let i = 0; i < keys.length; i++) {
      one[0] = groups[i]!;
      rows.push(mergedWindowRow(this.spec, start, end, nextVersion(versions, keys[i]!), one, 1));
    }
    one.length = 0;
  }

  /**
   * Hopping: the window's panes, each in key order, merged like sorted runs; a group's row reads
   * its states in pane order, in place (no merged state is built).
   */
  private emitMerged(start: number, end: number, versions: Map<string, number> | null, rows: Row[]): void {
    const runs: SortedPane[] = [];
    for (let pane = start; pane < end; pane += this.slide) {
      const sorted = this.store.sortedGroups(pane);
      if (sorted !== null && sorted.keys.length > 0) runs.push(sorted);
    }
    const k = runs.length;
    const at = new Array<number>(k).fill(0);
    const states = this.paneStates;
    for (;;) {
      // the smallest key at the runs' heads
      let key: string | null = null;
      for (let r = 0; r < k; r++) {
        const i = at[r]!;
        if (i < runs[r]!.keys.length && (key === null || runs[r]!.keys[i]! < key)) key = runs[r]!.keys[i]!;
      }
      if (key === null) break;
      let n = 0;
      for (let r = 0; r < k; r++) {
        const i = at[r]!;
        if (i < runs[r]!.keys.length && runs[r]!.keys[i] === key) {
          states[n++] = runs[r]!.groups[i]!;
          at[r] = i + 1;
        }
      }
      rows.push(mergedWindowRow(this.spec, start, end, nextVersion(versions, key), states, n));
    }
    states.length = 0;
  }

  /** Re-emission of some groups: their panes looked up by key, in key order. */
  private emitKeys(
    start: number,
    end: number,
    onlyKeys: Set<string>,
    versions: Map<string, number> | null,
    rows: Row[],
  ): void {
    const states = this.paneStates;
    for (const key of [...onlyKeys].sort()) {
      let n = 0;
      for (let pane = start; pane < end; pane += this.slide) {
        const g = this.panes.get(pane)?.get(key);
        if (g !== undefined) states[n++] = g;
      }
      if (n > 0) rows.push(mergedWindowRow(this.spec, start, end, nextVersion(versions, key), states, n));
    }
    states.length = 0;
  }

  private versionsOf(start: number): Map<string, number> {
    let versions = this.versions.get(start);
    if (versions === undefined) {
      versions = new Map();
      this.versions.set(start, versions);
    }
    return versions;
  }

  /** Versions as checkpoints have always written them: `[start|group, version]` pairs. */
  private versionEntries(): Json[] {
    const entries: Json[] = [];
    for (const [start, versions] of this.versions)
      for (const [key, version] of versions) entries.push([`${start}|${key}`, version]);
    return entries;
  }

  private markDirty(pane: number, key: string): void {
    for (let end = pane + this.slide; end <= pane + this.size; end += this.slide) {
      let keys = this.dirty.get(end);
      if (keys === undefined) {
        keys = new Set();
        this.dirty.set(end, keys);
      }
      keys.add(key);
    }
  }

  /** Drops panes and versions no window can need again. */
  private purge(watermark: number): void {
    // only a new slide boundary can free anything
    const boundary = Math.floor(watermark / this.slide);
    if (boundary === this.lastPurgeBoundary) return;
    this.lastPurgeBoundary = boundary;
    const lateness = this.spec.allowedLateness;
    // a pane p is done with once p + size + lateness <= watermark and p + size <= firedUpTo
    this.store.release(this.sharer, Math.min(watermark - lateness, this.firedUpTo) - this.size);
    for (const start of this.versions.keys()) {
      if (start + this.size + lateness <= watermark) this.versions.delete(start);
    }
  }
}

/** The version of a group's next row: 1 without kept versions, else one past the last. */
function nextVersion(versions: Map<string, number> | null, key: string): number {
  if (versions === null) return 1;
  const version = (versions.get(key) ?? 0) + 1;
  versions.set(key, version);
  return version;
}

function panesOf(state: Json | undefined): PanesJson | null {
  return ((state as { panes?: PanesJson | null } | undefined)?.panes ?? null) as PanesJson | null;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
