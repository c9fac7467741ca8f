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

/**
 * What the pipeline does per event: offer it to every window, then advance each to the watermark
 * (largest event time − `ooo`, from `maxTs` on). Returns the largest event time seen.
 */
function drive(
  ops: WindowOperator[],
  events: Event[],
  ooo: number,
  out: Row[][],
  late: boolean[][] = ops.map(() => []),
  maxTs = Number.NEGATIVE_INFINITY,
): number {
  for (const e of events) {
    ops.forEach((op, i) => late[i]!.push(!op.add(e, maxTs - ooo).accepted));
    maxTs = Math.max(maxTs, e.ts);
    ops.forEach((op, i) => out[i]!.push(...op.advance(maxTs - ooo)));
  }
  return maxTs;
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
        drive(straight, evs, 1000, expected);
        finish(straight, expected);
        /** Runs to `at` on `cfgs`, restores the checkpoint into `restoredCfgs`, runs to the end. */
        const restoredRun = (before: boolean, after: boolean, restoredCfgs: WindowConfig[]): Row[][] => {
          const first = operators(cfgs, before);
          const head: Row[][] = cfgs.map(() => []);
          const maxTs = drive(first, evs.slice(0, at), 1000, head);
          const checkpoint = snapshotOf(first, cfgs);
          const second = operators(restoredCfgs, after);
          second.forEach((op, i) => op.restore(checkpoint[restoredCfgs[i]!.name]!, checkpoint));
          // the restored windows continue from the watermark the first run reached
          const tail: Row[][] = restoredCfgs.map(() => []);
          drive(second, evs.slice(at), 1000, tail, undefined, maxTs);
          finish(second, tail);
          return restoredCfgs.map((c, i) => [...head[cfgs.indexOf(c)]!, ...tail[i]!]);
        };
        for (const [before, after] of [
          [true, true],
          [false, true], // a checkpoint of an older version, one copy of the panes per window
          [true, false],
        ] as const)
          expect([before, after, at, restoredRun(before, after, cfgs)]).toEqual([
            before,
            after,
            at,
            expected,
          ]);
        // the window that wrote the shared panes is no longer configured: the others still find them
        expect(restoredRun(true, true, cfgs.slice(1))).toEqual(expected.slice(1));
      }),
      { numRuns: 60 },
    );
  });

  it("restore a pre-sharing checkpoint from the larger window's copy of a pane both still hold", () => {
    // lateness 1.5 s: at watermark 3600, pane 1000 is past the tumbling window's lateness (it
    // refuses the late event at 1300) but not the hopping one's (it takes it), and the tumbling
    // window has not purged the pane yet (no slide boundary crossed since watermark 3200)
    const aggregates = [{ fn: 'count' }];
    const cfgs = configs([
      { name: 't', type: 'tumbling', size: 1000, allowedLateness: 1500, groupBy: ['g'], aggregates },
      {
        name: 'h',
        type: 'hopping',
        size: 3000,
        slide: 1000,
        allowedLateness: 1500,
        groupBy: ['g'],
        aggregates,
      },
    ]);
    const evs: Event[] = [1100, 3200, 3600, 1300, 5000].map((ts) => ({ ts, g: 'a', h: 'x', v: 1 }));
    const expected: Row[][] = [[], []];
    const straight = operators(cfgs, false);
    const late: boolean[][] = [[], []];
    drive(straight, evs, 0, expected, late);
    finish(straight, expected);
    expect(late.map((l) => l[3])).toEqual([true, false]);

    const first = operators(cfgs, false); // as written before windows shared panes
    const out: Row[][] = [[], []];
    const maxTs = drive(first, evs.slice(0, 4), 0, out);
    const checkpoint = snapshotOf(first, cfgs) as Record<string, { panes: [number, unknown[]][] }>;
    expect(checkpoint.t!.panes.map(([start]) => start)).toContain(1000);
    const second = operators(cfgs, true);
    second.forEach((op, i) => op.restore(checkpoint[cfgs[i]!.name]! as never, checkpoint as never));
    drive(second, evs.slice(4), 0, out, undefined, maxTs);
    finish(second, out);
    expect(out).toEqual(expected);
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
