import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, type WindowConfig } from '../../src/core/config/index.js';
import type { Event } from '../../src/core/event.js';
import type { Json } from '../../src/windows/aggregator.js';
import { createWindow, createWindows, type WindowOperator } from '../../src/windows/index.js';
import type { Row } from '../../src/sinks/sink.js';

const SCHEMA = { fields: { g: 'string', h: 'string', v: 'number' } };
const AGGS = [
  { fn: 'count' },
  { fn: 'sum', field: 'v' },
  { fn: 'quantile', field: 'v', q: 0.9 },
  { fn: 'distinct', field: 'h' },
  { fn: 'first', field: 'v' },
];

function configs(windows: Record<string, unknown>[]): WindowConfig[] {
  return parseConfig({ source: { type: 'generator' }, schema: SCHEMA, windows }).windows;
}

/** Operators sharing panes where they can (the pipeline's way), or each on its own. */
function operators(cfgs: WindowConfig[], shared: boolean): WindowOperator[] {
  return shared
    ? createWindows('p', cfgs).map((w) => w.operator)
    : cfgs.map((c) => createWindow('p', c).operator);
}

/** What the pipeline does per event: offer it to every window, then advance each to the watermark. */
function drive(ops: WindowOperator[], events: Event[], ooo: number, out: Row[][], late: boolean[][]): void {
  let maxTs = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    ops.forEach((op, i) => late[i]!.push(!op.add(e, maxTs - ooo).accepted));
    maxTs = Math.max(maxTs, e.ts);
    ops.forEach((op, i) => out[i]!.push(...op.advance(maxTs - ooo)));
  }
}

function finish(ops: WindowOperator[], out: Row[][]): void {
  ops.forEach((op, i) => out[i]!.push(...op.advance(Number.POSITIVE_INFINITY)));
}

const snapshotOf = (ops: WindowOperator[], cfgs: WindowConfig[]): Record<string, Json> =>
  JSON.parse(JSON.stringify(Object.fromEntries(ops.map((op, i) => [cfgs[i]!.name, op.snapshot()]))));

/** A window set where some windows can share panes: slides of 1s or 2s, two group-bys, two lateness values. */
const windowSet = fc
  .array(
    fc.record({
      slide: fc.constantFrom(1000, 2000),
      panes: fc.integer({ min: 1, max: 4 }),
      groupBy: fc.constantFrom(['g'], ['g', 'h']),
      allowedLateness: fc.constantFrom(0, 1500),
      update: fc.boolean(),
    }),
    { minLength: 2, maxLength: 5 },
  )
  .map((ws) =>
    ws.map((w, i) => ({
      name: `w${i}`,
      ...(w.panes === 1
        ? { type: 'tumbling', size: w.slide }
        : { type: 'hopping', size: w.slide * w.panes, slide: w.slide }),
      groupBy: w.groupBy,
      allowedLateness: w.allowedLateness,
      aggregates: AGGS,
      ...(w.update ? { emit: { mode: 'update', interval: 1500 } } : {}),
    })),
  );

const eventStream = fc.array(
  fc.record({
    dt: fc.integer({ min: 0, max: 400 }),
    back: fc.integer({ min: 0, max: 3000 }), // some within the disorder bound, some late
    g: fc.constantFrom('a', 'b', 'c'),
    h: fc.constantFrom('x', 'y'),
    v: fc.integer({ min: -50, max: 50 }),
  }),
  { minLength: 1, maxLength: 400 },
);

function events(raw: { dt: number; back: number; g: string; h: string; v: number }[]): Event[] {
  let t = 100_000;
  return raw.map((r) => {
    t += r.dt;
    return { ts: t - r.back, g: r.g, h: r.h, v: r.v / 4 };
  });
}

describe('windows sharing panes', () => {
  it('emit exactly the rows and late decisions of the same windows run alone', () => {
    fc.assert(
      fc.property(windowSet, eventStream, fc.constantFrom(0, 1000), (ws, raw, ooo) => {
        const cfgs = configs(ws);
        const evs = events(raw);
        const run = (shared: boolean) => {
          const ops = operators(cfgs, shared);
          const out: Row[][] = cfgs.map(() => []);
          const late: boolean[][] = cfgs.map(() => []);
          drive(ops, evs, ooo, out, late);
          finish(ops, out);
          return { out, late, open: ops.map((op) => op.openWindows) };
        };
        const alone = run(false);
        const shared = run(true);
        expect(shared.out).toEqual(alone.out);
        expect(shared.late).toEqual(alone.late);
        expect(shared.open).toEqual(cfgs.map(() => 0)); // every pane dropped at the end
      }),
      { numRuns: 150 },
    );
  });

  it('restore from their own checkpoints, from checkpoints written before sharing, and without the window that wrote the panes', () => {
    fc.assert(
      fc.property(windowSet, eventStream, fc.nat(), (ws, raw, cut) => {
        const cfgs = configs(ws);
        const evs = events(raw);
        const at = cut % (evs.length + 1);
        const straight = operators(cfgs, false);
        const expected: Row[][] = cfgs.map(() => []);
        drive(
          straight,
          evs,
          1000,
          expected,
          cfgs.map(() => []),
        );
        finish(straight, expected);

        for (const [before, after] of [
          [true, true],
          [false, true], // a checkpoint of an older version, one copy of the panes per window
          [true, false],
        ] as const) {
          const first = operators(cfgs, before);
          const out: Row[][] = cfgs.map(() => []);
          drive(
            first,
            evs.slice(0, at),
            1000,
            out,
            cfgs.map(() => []),
          );
          const checkpoint = snapshotOf(first, cfgs);
          const second = operators(cfgs, after);
          second.forEach((op, i) => op.restore(checkpoint[cfgs[i]!.name]!, checkpoint));
          // the restored windows continue from the same watermark as the first run
          const maxTs = Math.max(...evs.slice(0, at).map((e) => e.ts));
          const rest = evs.slice(at);
          let wmTs = maxTs;
          for (const e of rest) {
            second.forEach((op) => op.add(e, wmTs - 1000));
            wmTs = Math.max(wmTs, e.ts);
            second.forEach((op, i) => out[i]!.push(...op.advance(wmTs - 1000)));
          }
          finish(second, out);
          expect([before, after, at, out]).toEqual([before, after, at, expected]);
        }

        // the window that wrote the shared panes is no longer configured: the others still find them
        const first = operators(cfgs, true);
        const out: Row[][] = cfgs.map(() => []);
        drive(
          first,
          evs.slice(0, at),
          1000,
          out,
          cfgs.map(() => []),
        );
        const checkpoint = snapshotOf(first, cfgs);
        const kept = cfgs.slice(1);
        const second = operators(kept, true);
        second.forEach((op, i) => op.restore(checkpoint[kept[i]!.name]!, checkpoint));
        const tail: Row[][] = kept.map(() => []);
        const maxTs = Math.max(...evs.slice(0, at).map((e) => e.ts));
        let wmTs = maxTs;
        for (const e of evs.slice(at)) {
          second.forEach((op) => op.add(e, wmTs - 1000));
          wmTs = Math.max(wmTs, e.ts);
          second.forEach((op, i) => tail[i]!.push(...op.advance(wmTs - 1000)));
        }
        finish(second, tail);
        kept.forEach((_, i) => expect([...out[i + 1]!, ...tail[i]!]).toEqual(expected[i + 1]));
      }),
      { numRuns: 60 },
    );
  });

  it('share only between windows of the same slide, group-by, aggregates and lateness', () => {
    const base = { type: 'hopping', size: 4000, slide: 1000, groupBy: ['g'], aggregates: AGGS };
    const cfgs = configs([
      { ...base, name: 'a' },
      { name: 'b', type: 'tumbling', size: 1000, groupBy: ['g'], aggregates: AGGS },
      { ...base, name: 'c', aggregates: AGGS.map((a, i) => (i === 0 ? { ...a, as: 'n' } : a)) },
      { ...base, name: 'd', slide: 2000 },
      { ...base, name: 'e', groupBy: ['h'] },
      { ...base, name: 'f', allowedLateness: 500 },
      { ...base, name: 'g2', aggregates: AGGS.slice(1) },
    ]);
    const ops = operators(cfgs, true);
    const event: Event = { ts: 10_500, g: 'a', h: 'x', v: 1 };
    ops.forEach((op) => op.add(event, Number.NEGATIVE_INFINITY));
    const snapshot = snapshotOf(ops, cfgs) as Record<string, { panes: unknown; panesIn?: string }>;
    // a, b and c (output names aside) share; the others each keep their own panes
    expect(snapshot.a!.panes).not.toBeNull();
    expect(snapshot.b).toMatchObject({ panes: null, panesIn: 'a' });
    expect(snapshot.c).toMatchObject({ panes: null, panesIn: 'a' });
    for (const name of ['d', 'e', 'f', 'g2']) expect(snapshot[name]!.panes).not.toBeNull();
    // one event, counted once per window
    ops.forEach((op, i) => {
      const rows = op.advance(Number.POSITIVE_INFINITY);
      expect(rows.length).toBeGreaterThan(0);
      const column = cfgs[i]!.name === 'c' ? 'n' : cfgs[i]!.name === 'g2' ? 'sum_v' : 'count';
      for (const row of rows) expect([cfgs[i]!.name, row[column]]).toEqual([cfgs[i]!.name, 1]);
    });
  });

  it('count an event offered twice to a window of its own twice (no sharer, nothing skipped)', () => {
    const [a] = operators(
      configs([{ name: 'a', type: 'tumbling', size: 1000, groupBy: ['g'], aggregates: [{ fn: 'count' }] }]),
      true,
    );
    const e: Event = { ts: 1500, g: 'a', h: 'x', v: 1 };
    a!.add(e, 0);
    a!.add(e, 0);
    expect(a!.advance(Number.POSITIVE_INFINITY).map((r) => r.count)).toEqual([2]);
  });
});
