import type { Event, FieldValue } from '../core/event.js';
import type { Json } from './aggregator.js';
import { createGroup, type WindowSpec } from './window-spec.js';

/** A group in one pane: its aggregate states, then its group-by values (see `createGroup`). */
export type PaneGroup = unknown[];

/** A pane's groups in key order: `keys[i]` is the key of `groups[i]`. */
export interface SortedPane {
  keys: string[];
  groups: PaneGroup[];
}

/** Panes as a checkpoint holds them: `[start, [[key, groupValues, states]…]]`. */
export type PanesJson = [number, [string, FieldValue[], Json[]][]][];

/**
 * The panes of `slide` ms behind one or more sliced windows: per pane start, each group's
 * aggregate states. Windows with the same slide, group-by, aggregates and allowed lateness build
 * identical panes (a tumbling 1m and a hopping 5m/1m window, say), so they share one store and
 * each event updates its pane once, not once per window ("stream slicing", Traub et al., Scotty).
 *
 * Every sharer offers each event it accepts; the first offer adds it and the others' offers of
 * that same event are skipped. A pane is dropped once no sharer can need it again.
 */
export class PaneStore {
  readonly panes = new Map<number, Map<string, PaneGroup>>();
  /** Per sharer (by the index {@link join} gave it), the highest pane start it no longer needs. */
  private readonly released: number[] = [];
  /** Per sharer, its window size. */
  private readonly sizes: number[] = [];
  /** The event offered last, its group key, and the sharers (bit per index) that offered it. */
  private lastEvent: Event | null = null;
  private lastKey = '';
  private offeredBy = 0;
  /** The pane `add` used last and its groups (cleared whenever panes are dropped). */
  private lastPane = Number.NaN;
  private lastGroups: Map<string, PaneGroup> | undefined = undefined;
  /**
   * Per pane, its groups in key order, as last sorted, with the pane map and its size then. Rows
   * are written in key order, and a pane is read by every window holding it (a tumbling window
   * sharing the store and each hopping window over it): sorted once, not once per window. A pane
   * map only gains groups, so an unchanged size means an unchanged pane.
   */
  private readonly sorted = new Map<number, SortedPane & { of: Map<string, PaneGroup>; size: number }>();
  /** The window that writes the panes to checkpoints: the first to join. */
  get ownerName(): string {
    return this.spec.name;
  }

  /**
   * While restoring (until the next event): per pane, the size of the window whose copy it is.
   * Null otherwise.
   */
  private restoredFrom: Map<number, number> | null = null;
  /** Sharers (bit per index) restored since the last event. */
  private restoredBy = 0;

  constructor(
    private readonly spec: WindowSpec,
    readonly slide: number,
  ) {}

  /**
   * Registers a window reading these panes and returns its sharer index; sharer 0 (the window of
   * the store's spec) writes the panes to checkpoints.
   */
  join(size: number): number {
    if (this.released.length === 31) throw new Error('a pane store is shared by at most 31 windows');
    this.released.push(Number.NEGATIVE_INFINITY);
    this.sizes.push(size);
    return this.released.length - 1;
  }

  /** Groups held over all panes. */
  get groups(): number {
    let n = 0;
    for (const groups of this.panes.values()) n += groups.size;
    return n;
  }

  /**
   * Adds `event` to pane `pane` for `sharer` and returns its group key. An event another sharer
   * already added is not added again; the same sharer offering it twice adds it twice.
   */
  add(sharer: number, event: Event, pane: number): string {
    const bit = 1 << sharer;
    if (event === this.lastEvent && (this.offeredBy & bit) === 0) {
      this.offeredBy |= bit;
      return this.lastKey;
    }
    this.restoredFrom = null;
    let groups = pane === this.lastPane ? this.lastGroups : this.panes.get(pane);
    if (groups === undefined) {
      groups = new Map();
      this.panes.set(pane, groups);
    }
    this.lastPane = pane;
    this.lastGroups = groups;
    const key = this.spec.groupKey(event);
    let group = groups.get(key);
    if (group === undefined) {
      group = createGroup(this.spec, event);
      groups.set(key, group);
    }
    this.spec.addEvent(group, event);
    this.lastEvent = event;
    this.lastKey = key;
    this.offeredBy = bit;
    return key;
  }

  /** `sharer` no longer needs panes starting at or before `upTo`; drops those no sharer needs. */
  release(sharer: number, upTo: number): void {
    if (upTo <= this.released[sharer]!) return;
    this.released[sharer] = upTo;
    let limit = Number.POSITIVE_INFINITY;
    for (const r of this.released) if (r < limit) limit = r;
    for (const pane of this.panes.keys()) if (pane <= limit) this.panes.delete(pane);
    for (const pane of this.sorted.keys()) if (pane <= limit) this.sorted.delete(pane);
    this.lastPane = Number.NaN;
    this.lastGroups = undefined;
  }

  /** Pane `pane`'s groups in key order (the order rows are written in), or null without the pane. */
  sortedGroups(pane: number): SortedPane | null {
    const groups = this.panes.get(pane);
    if (groups === undefined) return null;
    const cached = this.sorted.get(pane);
    if (cached !== undefined && cached.of === groups && cached.size === groups.size) return cached;
    const keys = [...groups.keys()].sort();
    const sorted = { keys, groups: keys.map((k) => groups.get(k)!), of: groups, size: groups.size };
    this.sorted.set(pane, sorted);
    return sorted;
  }

  toJSON(): PanesJson {
    const panes: PanesJson = [];
    const columns = this.spec.columns;
    for (const [start, groups] of this.panes) {
      const gs: [string, FieldValue[], Json[]][] = [];
      for (const [key, g] of groups)
        gs.push([key, g.slice(columns.length) as FieldValue[], columns.map((c, i) => c.agg.toJSON(g[i]))]);
      panes.push([start, gs]);
    }
    return panes;
  }

  /**
   * Loads a checkpoint's panes for `sharer`: the first restore (since the last event, or the
   * sharer's own previous restore) replaces the panes, later ones of other sharers merge in. A checkpoint written before windows
   * shared panes holds one copy per window, each purged and filled by its own window: of two
   * copies of a pane the larger window's is kept, as it accepted every event the smaller one did
   * (same lateness, later end) and holds panes the smaller one already dropped.
   */
  restore(sharer: number, panes: PanesJson): void {
    const bit = 1 << sharer;
    if (this.restoredFrom === null || (this.restoredBy & bit) !== 0) {
      this.restoredFrom = new Map();
      this.restoredBy = 0;
      this.panes.clear();
      this.lastPane = Number.NaN;
      this.lastGroups = undefined;
      this.lastEvent = null;
    }
    this.restoredBy |= bit;
    const size = this.sizes[sharer]!;
    const columns = this.spec.columns;
    for (const [start, gs] of panes) {
      const from = this.restoredFrom.get(start);
      if (from !== undefined && from >= size) continue;
      const groups = new Map<string, PaneGroup>();
      // keys are derived from the values: a checkpoint of an older key scheme restores to today's
      for (const [, values, states] of gs)
        groups.set(this.spec.keyOfValues(values), [
          ...states.map((j, i) => columns[i]!.agg.fromJSON(j)),
          ...values,
        ]);
      this.panes.set(start, groups);
      this.restoredFrom.set(start, size);
    }
  }
}

/**
 * Windows whose panes are interchangeable get the same key: same slide, group-by, aggregates
 * (output names aside) and allowed lateness. Null for windows that are not sliced.
 */
export function paneShareKey(spec: WindowSpec): string | null {
  const slide = paneSize(spec);
  if (slide === null) return null;
  const aggregates = spec.config.aggregates.map((a) => [a.fn, a.field, a.q, a.k, a.accuracy]);
  return JSON.stringify([slide, spec.groupBy, aggregates, spec.allowedLateness]);
}

/** The pane size of a sliced window (its slide; a tumbling window's size), null for others. */
export function paneSize(spec: WindowSpec): number | null {
  const cfg = spec.config;
  return cfg.type === 'hopping' ? cfg.slide : cfg.type === 'tumbling' ? cfg.size : null;
}
