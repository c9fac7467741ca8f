import type { Event, FieldValue } from '../core/event.js';
import type { Row } from '../sinks/sink.js';
import type { Json } from './aggregator.js';
import { ACCEPTED, type AddOutcome, type WindowOperator } from './window-operator.js';
import { createStates, groupValuesOf, mergeStates, windowRow, type WindowSpec } from './window-spec.js';

/** One session of a group: [start, end) where end = last event time + gap. */
interface Session {
  start: number;
  end: number;
  states: unknown[];
  /** Version of the row last emitted for this session's start (0 = never emitted). */
  emitted: number;
  /** Emitted sessions merged into this one, as [start, version emitted]: their rows get retracted. */
  retract: [number, number][];
  dirty: boolean;
}

interface Group {
  values: FieldValue[];
  /** Sorted by start, never overlapping. */
  sessions: Session[];
}

/**
 * Session windows: per group, events closer than `gap` share a session; an event that bridges two
 * sessions merges them. A merged session keeps the earliest start, so when sessions that were
 * already emitted merge, the rows of the starts that disappear are retracted (a new version with
 * `retracted = true`), and readers of `FINAL` never see a stale session.
 */
export class SessionWindow implements WindowOperator {
  readonly name: string;
  private readonly gap: number;
  private readonly groups = new Map<string, Group>();
  /** Retracted versions per `start|group`, kept while a later session could reuse that start. */
  private readonly versions = new Map<string, number>();
  private readonly updateInterval: number;
  private lastEarlyEmit = Number.NEGATIVE_INFINITY;
  /** Earliest end of a session with unemitted changes: the next watermark that emits. */
  private earliestDirtyEnd = Number.POSITIVE_INFINITY;
  /** Earliest moment a session can be dropped (end + allowed lateness). */
  private earliestPurge = Number.POSITIVE_INFINITY;

  constructor(private readonly spec: WindowSpec) {
    if (spec.config.type !== 'session')
      throw new Error(`SessionWindow cannot run a ${spec.config.type} window`);
    this.name = spec.name;
    this.gap = spec.config.gap;
    this.updateInterval = spec.config.emit.mode === 'update' ? (spec.config.emit.interval ?? 0) : 0;
  }

  get deadline(): number {
    if (this.updateInterval > 0 && this.earliestDirtyEnd < Number.POSITIVE_INFINITY) {
      return Math.min(this.earliestDirtyEnd, this.lastEarlyEmit + this.updateInterval);
    }
    return this.earliestDirtyEnd;
  }

  get openWindows(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.sessions.length;
    return n;
  }

  add(event: Event, watermark: number): AddOutcome {
    const key = this.spec.groupKey(event);
    let group = this.groups.get(key);
    const ts = event.ts;
    let start = ts;
    let end = ts + this.gap;
    // sessions overlapping [ts, ts + gap) merge with the event
    const sessions = group?.sessions ?? [];
    let first = 0;
    while (first < sessions.length && sessions[first]!.end < ts) first++;
    let last = first;
    while (last < sessions.length && sessions[last]!.start <= end) last++;
    if (first < last) {
      start = Math.min(start, sessions[first]!.start);
      end = Math.max(end, sessions[last - 1]!.end);
    }
    if (end + this.spec.allowedLateness <= watermark) {
      return { accepted: false, windowStart: start, windowEnd: end, lateByMs: watermark - ts };
    }
    if (group === undefined) {
      group = { values: groupValuesOf(this.spec, event), sessions: [] };
      this.groups.set(key, group);
    }
    const merged = this.mergeRange(group.sessions, first, last, start, end);
    this.spec.addEvent(merged.states, event);
    merged.dirty = true;
    if (end < this.earliestDirtyEnd) this.earliestDirtyEnd = end;
    if (end + this.spec.allowedLateness < this.earliestPurge)
      this.earliestPurge = end + this.spec.allowedLateness;
    if (this.updateInterval > 0 && this.lastEarlyEmit === Number.NEGATIVE_INFINITY) {
      this.lastEarlyEmit = Math.floor(ts / this.updateInterval) * this.updateInterval;
    }
    return ACCEPTED;
  }

  advance(watermark: number): Row[] {
    const rows: Row[] = [];
    const early = this.updateInterval > 0 && watermark >= this.lastEarlyEmit + this.updateInterval;
    if (watermark < this.deadline && watermark < this.earliestPurge) return rows;
    let earliestDirty = Number.POSITIVE_INFINITY;
    let earliestPurge = Number.POSITIVE_INFINITY;
    for (const key of [...this.groups.keys()].sort()) {
      const group = this.groups.get(key)!;
      const kept: Session[] = [];
      for (const s of group.sessions) {
        const closed = s.end <= watermark;
        if (s.dirty && (closed || early)) this.emit(key, group, s, rows);
        if (s.end + this.spec.allowedLateness > watermark) {
          kept.push(s);
          if (s.dirty && s.end < earliestDirty) earliestDirty = s.end;
          if (s.end + this.spec.allowedLateness < earliestPurge)
            earliestPurge = s.end + this.spec.allowedLateness;
        }
      }
      if (kept.length === 0) this.groups.delete(key);
      else group.sessions = kept;
    }
    this.earliestDirtyEnd = earliestDirty;
    this.earliestPurge = earliestPurge;
    if (early) this.lastEarlyEmit = Math.floor(watermark / this.updateInterval) * this.updateInterval;
    for (const vkey of this.versions.keys()) {
      if (Number(vkey.slice(0, vkey.indexOf('|'))) + this.gap + this.spec.allowedLateness <= watermark)
        this.versions.delete(vkey);
    }
    return rows;
  }

  snapshot(): Json {
    const groups: Json[] = [];
    for (const [key, g] of this.groups) {
      groups.push([
        key,
        g.values as Json[],
        g.sessions.map((s) => [
          s.start,
          s.end,
          s.emitted,
          s.retract as Json[],
          s.dirty,
          s.states.map((st, i) => this.spec.columns[i]!.agg.toJSON(st)),
        ]),
      ]);
    }
    return {
      groups,
      versions: [...this.versions] as Json[],
      lastEarlyEmit: Number.isFinite(this.lastEarlyEmit) ? this.lastEarlyEmit : null,
    };
  }

  restore(state: Json): void {
    const s = state as {
      groups: [string, FieldValue[], [number, number, number, [number, number][], boolean, Json[]][]][];
      versions: [string, number][];
      lastEarlyEmit: number | null;
    };
    this.groups.clear();
    this.earliestDirtyEnd = Number.POSITIVE_INFINITY;
    this.earliestPurge = Number.POSITIVE_INFINITY;
    // keys are derived from the values: a checkpoint of an older key scheme restores to today's
    for (const [, values, sessions] of s.groups) {
      this.groups.set(this.spec.keyOfValues(values), {
        values,
        sessions: sessions.map(([start, end, emitted, retract, dirty, states]) => {
          if (dirty && end < this.earliestDirtyEnd) this.earliestDirtyEnd = end;
          this.earliestPurge = Math.min(this.earliestPurge, end + this.spec.allowedLateness);
          return {
            start,
            end,
            emitted,
            retract,
            dirty,
            states: states.map((j, i) => this.spec.columns[i]!.agg.fromJSON(j)),
          };
        }),
      });
    }
    this.versions.clear();
    for (const [k, v] of s.versions) this.versions.set(k, v);
    this.lastEarlyEmit = s.lastEarlyEmit ?? Number.NEGATIVE_INFINITY;
  }

  /** Replaces sessions[first, last) by one session [start, end) holding their merged state. */
  private mergeRange(sessions: Session[], first: number, last: number, start: number, end: number): Session {
    if (last - first === 1 && sessions[first]!.start === start) {
      const s = sessions[first]!;
      s.end = end;
      return s;
    }
    const merged: Session = {
      start,
      end,
      states: createStates(this.spec.columns),
      emitted: 0,
      retract: [],
      dirty: true,
    };
    for (let i = first; i < last; i++) {
      const s = sessions[i]!;
      mergeStates(this.spec.columns, merged.states, s.states);
      merged.retract.push(...s.retract);
      if (s.start === start) merged.emitted = s.emitted;
      else if (s.emitted > 0) merged.retract.push([s.start, s.emitted]);
    }
    sessions.splice(first, last - first, merged);
    return merged;
  }

  private emit(key: string, group: Group, s: Session, rows: Row[]): void {
    for (const [start, emitted] of s.retract) {
      const vkey = `${start}|${key}`;
      const version = Math.max(this.versions.get(vkey) ?? 0, emitted) + 1;
      this.versions.set(vkey, version); // a later session starting here must outrank the retraction
      rows.push(windowRow(this.spec, start, start, version, group.values, null));
    }
    s.retract = [];
    const vkey = `${s.start}|${key}`;
    s.emitted = Math.max(s.emitted, this.versions.get(vkey) ?? 0) + 1;
    this.versions.delete(vkey);
    s.dirty = false;
    rows.push(windowRow(this.spec, s.start, s.end, s.emitted, group.values, s.states));
  }
}
