import { describe, expect, it } from 'vitest';
import { parseConfig, type WindowConfig } from '../../src/core/config/index.js';
import type { Event } from '../../src/core/event.js';
import { Random } from '../../src/core/random.js';
import type { Row } from '../../src/sinks/sink.js';
import { createWindow } from '../../src/windows/index.js';

const SCHEMA = { fields: { g: 'string', v: 'number' } };

function windowConfig(w: Record<string, unknown>): WindowConfig {
  return parseConfig({ source: { type: 'generator' }, schema: SCHEMA, windows: [w] }).windows[0]!;
}

/** Feeds events in order, advancing the watermark (max ts − ooo) after each; returns the latest row per key. */
function run(
  w: Record<string, unknown>,
  events: Event[],
  ooo = 0,
): { rows: Row[]; late: Event[]; all: Row[] } {
  const { operator } = createWindow('p', windowConfig(w));
  const all: Row[] = [];
  const late: Event[] = [];
  let maxTs = -Infinity;
  for (const e of events) {
    const outcome = operator.add(e, maxTs - ooo);
    if (!outcome.accepted) late.push(e);
    maxTs = Math.max(maxTs, e.ts);
    all.push(...operator.advance(maxTs - ooo));
  }
  all.push(...operator.advance(Infinity));
  return { rows: latest(all), late, all };
}

function latest(rows: Row[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const r of rows) {
    const k = `${String(r.g)}|${String(r.start)}`;
    const prev = byKey.get(k);
    if (!prev || (r.version as number) > (prev.version as number)) byKey.set(k, r);
  }
  return [...byKey.values()]
    .filter((r) => !r.retracted)
    .sort((a, b) => (a.start as number) - (b.start as number) || String(a.g).localeCompare(String(b.g)));
}

function randomEvents(n: number, seed: number, disorder = 0): Event[] {
  const rng = new Random(seed);
  const events: Event[] = [];
  let t = 1_000_000;
  for (let i = 0; i < n; i++) {
    t += rng.int(400);
    events.push({
      ts: t - rng.int(disorder + 1),
      g: ['a', 'b', 'c'][rng.int(3)]!,
      v: Math.round(rng.gaussian() * 100) / 10,
    });
  }
  return events;
}

/** Brute force: every window [s, s+size) with s a multiple of slide, aggregated from scratch. */
function bruteForce(events: Event[], size: number, slide: number): Row[] {
  const out = new Map<
    string,
    { g: string; start: number; count: number; sum: number; min: number; max: number }
  >();
  for (const e of events) {
    const last = Math.floor(e.ts / slide) * slide;
    for (let s = last; s > e.ts - size; s -= slide) {
      const k = `${String(e.g)}|${s}`;
      const o = out.get(k) ?? { g: e.g as string, start: s, count: 0, sum: 0, min: Infinity, max: -Infinity };
      o.count++;
      o.sum += e.v as number;
      o.min = Math.min(o.min, e.v as number);
      o.max = Math.max(o.max, e.v as number);
      out.set(k, o);
    }
  }
  return [...out.values()].sort((a, b) => a.start - b.start || a.g.localeCompare(b.g)) as unknown as Row[];
}

const AGGS = [
  { fn: 'count' },
  { fn: 'sum', field: 'v' },
  { fn: 'min', field: 'v' },
  { fn: 'max', field: 'v' },
];

function expectMatches(rows: Row[], expected: Row[]): void {
  expect(rows.map((r) => [r.g, r.start, r.count])).toEqual(expected.map((r) => [r.g, r.start, r.count]));
  rows.forEach((r, i) => {
    expect(r.sum_v as number).toBeCloseTo(expected[i]!.sum as number, 9);
    expect(r.min_v).toBe(expected[i]!.min);
    expect(r.max_v).toBe(expected[i]!.max);
  });
}

describe('tumbling windows', () => {
  it('equal a brute-force aggregation, each window emitted once when in order', () => {
    const events = randomEvents(3000, 1);
    const { rows, late, all } = run(
      { name: 't', type: 'tumbling', size: 10_000, groupBy: ['g'], aggregates: AGGS },
      events,
    );
    expect(late).toEqual([]);
    expectMatches(rows, bruteForce(events, 10_000, 10_000));
    expect(all.every((r) => r.version === 1)).toBe(true);
    expect(all[0]!.end).toBe((all[0]!.start as number) + 10_000);
  });

  it('fire only when the watermark passes the end', () => {
    const { operator } = createWindow(
      'p',
      windowConfig({ name: 't', type: 'tumbling', size: 1000, aggregates: [{ fn: 'count' }] }),
    );
    operator.add({ ts: 100 }, -Infinity);
    expect(operator.advance(999)).toEqual([]);
    expect(operator.advance(1000).map((r) => r.count)).toEqual([1]);
  });

  it('re-emit a window with a higher version for events within allowed lateness, and reject beyond it', () => {
    const { operator } = createWindow(
      'p',
      windowConfig({
        name: 't',
        type: 'tumbling',
        size: 1000,
        allowedLateness: 500,
        aggregates: [{ fn: 'count' }],
      }),
    );
    operator.add({ ts: 100 }, -Infinity);
    expect(operator.advance(1200)).toMatchObject([{ start: 0, count: 1, version: 1 }]);
    expect(operator.add({ ts: 200 }, 1200)).toEqual({ accepted: true });
    expect(operator.advance(1300)).toMatchObject([{ start: 0, count: 2, version: 2 }]);
    expect(operator.add({ ts: 300 }, 1500)).toEqual({
      accepted: false,
      windowStart: 0,
      windowEnd: 1000,
      lateByMs: 1200,
    });
    expect(operator.advance(1600)).toEqual([]);
  });

  it('emit early versioned results in update mode, then the final one', () => {
    const { operator } = createWindow(
      'p',
      windowConfig({
        name: 't',
        type: 'tumbling',
        size: 10_000,
        emit: { mode: 'update', interval: 1000 },
        aggregates: [{ fn: 'count' }],
      }),
    );
    const emitted: Row[] = [];
    for (let ts = 0; ts < 10_000; ts += 250) {
      operator.add({ ts }, ts - 1);
      emitted.push(...operator.advance(ts));
    }
    emitted.push(...operator.advance(10_000));
    const versions = emitted.map((r) => r.version as number);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(emitted.length).toBeGreaterThan(5);
    expect(emitted.at(-1)).toMatchObject({ count: 40, start: 0 });
  });

  it('restore from a snapshot taken mid-stream and give the same rows as a straight run', () => {
    const events = randomEvents(2000, 2, 3000);
    const w = {
      name: 't',
      type: 'tumbling',
      size: 5000,
      allowedLateness: 2000,
      groupBy: ['g'],
      aggregates: [...AGGS, { fn: 'quantile', field: 'v', q: 0.9 }, { fn: 'distinct', field: 'v' }],
    };
    const straight = run(w, events, 1000).all;
    const cfg = windowConfig(w);
    const a = createWindow('p', cfg).operator;
    const out: Row[] = [];
    let maxTs = -Infinity;
    let op = a;
    events.forEach((e, i) => {
      if (i === 1000) {
        const restored = createWindow('p', cfg).operator;
        restored.restore(JSON.parse(JSON.stringify(op.snapshot())));
        op = restored;
      }
      op.add(e, maxTs - 1000);
      maxTs = Math.max(maxTs, e.ts);
      out.push(...op.advance(maxTs - 1000));
    });
    out.push(...op.advance(Infinity));
    expect(out).toEqual(straight);
  });
});

describe('hopping windows', () => {
  it('equal a brute-force aggregation over overlapping windows', () => {
    const events = randomEvents(3000, 3);
    const { rows } = run(
      { name: 'h', type: 'hopping', size: 15_000, slide: 5000, groupBy: ['g'], aggregates: AGGS },
      events,
    );
    expectMatches(rows, bruteForce(events, 15_000, 5000));
  });

  it('equal a brute-force aggregation with out-of-order events within the bound', () => {
    const events = randomEvents(3000, 4, 2000);
    const { rows, late } = run(
      { name: 'h', type: 'hopping', size: 10_000, slide: 2000, groupBy: ['g'], aggregates: AGGS },
      events,
      2000,
    );
    expect(late).toEqual([]);
    expectMatches(rows, bruteForce(events, 10_000, 2000));
  });
});

describe('session windows', () => {
  const session = {
    name: 's',
    type: 'session',
    gap: 1000,
    groupBy: ['g'],
    aggregates: [{ fn: 'count' }, { fn: 'sum', field: 'v' }],
  };

  it('group events closer than the gap, per group', () => {
    const events: Event[] = [0, 500, 1400, 5000, 5100].map((ts) => ({ ts, g: 'a', v: 1 }));
    events.push({ ts: 600, g: 'b', v: 5 });
    events.sort((x, y) => x.ts - y.ts);
    const { rows } = run(session, events);
    expect(rows.map((r) => [r.g, r.start, r.end, r.count])).toEqual([
      ['a', 0, 2400, 3],
      ['b', 600, 1600, 1],
      ['a', 5000, 6100, 2],
    ]);
  });

  it('merge two emitted sessions when a late event bridges them, retracting the vanished one', () => {
    const { operator } = createWindow('p', windowConfig({ ...session, allowedLateness: 10_000 }));
    operator.add({ ts: 0, g: 'a', v: 1 }, -Infinity);
    operator.add({ ts: 1500, g: 'a', v: 1 }, -Infinity);
    const first = operator.advance(3000);
    expect(first.map((r) => [r.start, r.count, r.version])).toEqual([
      [0, 1, 1],
      [1500, 1, 1],
    ]);
    expect(operator.add({ ts: 800, g: 'a', v: 1 }, 3000)).toEqual({ accepted: true });
    const merged = operator.advance(3100);
    expect(merged.map((r) => [r.start, r.retracted, r.count, r.version])).toEqual([
      [1500, true, null, 2],
      [0, false, 3, 2],
    ]);
  });

  it('send an event beyond allowed lateness to the late output', () => {
    const { operator } = createWindow('p', windowConfig(session));
    operator.add({ ts: 10_000, g: 'a', v: 1 }, -Infinity);
    operator.advance(20_000);
    expect(operator.add({ ts: 100, g: 'a', v: 1 }, 20_000)).toMatchObject({
      accepted: false,
      windowStart: 100,
      windowEnd: 1100,
    });
  });
});
