import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../src/core/event.js';
import { EventTimeOrder } from '../../src/runtime/event-time-order.js';

interface Arrival {
  partition: string;
  offset: string;
  event: Event;
}

/** Per-partition streams whose event times stay within `bound` of the partition's running max. */
const partitionsArb = (bound: number) =>
  fc
    .array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 40 }), {
      minLength: 1,
      maxLength: 5,
    })
    .map((streams) =>
      streams.map((steps, p) => {
        let max = 0;
        return steps.map((step, i) => {
          // forward steps, and now and then one event up to `bound` behind the running max
          const ts = step % 7 === 0 ? Math.max(0, max - (step % (bound + 1))) : max + step;
          max = Math.max(max, ts);
          return { partition: `t:${p}`, offset: String(i), event: { ts, i, p } as Event };
        });
      }),
    );

/** Interleaves per-partition streams by a seeded schedule, as a consumer might deliver them. */
function interleave(streams: Arrival[][], schedule: number[]): Arrival[] {
  const cursors = streams.map(() => 0);
  const out: Arrival[] = [];
  let k = 0;
  while (out.length < streams.reduce((n, s) => n + s.length, 0)) {
    const p = schedule[k++ % schedule.length]! % streams.length;
    const q = cursors[p]! < streams[p]!.length ? p : cursors.findIndex((c, j) => c < streams[j]!.length);
    out.push(streams[q]![cursors[q]!++]!);
  }
  return out;
}

/** Runs arrivals through the order with a per-partition watermark of bound `ooo`, like the pipeline. */
function run(arrivals: Arrival[], partitions: string[], ooo: number, checkpointAt = -1): string[] {
  let order = new EventTimeOrder();
  const maxTs = new Map(partitions.map((p) => [p, Number.NEGATIVE_INFINITY]));
  let watermark = Number.NEGATIVE_INFINITY;
  const seen: string[] = [];
  const deliver = (e: Event, partition: string, offset: string) =>
    seen.push(`${e.ts}/${partition}/${offset}`);
  arrivals.forEach((a, i) => {
    order.push(a.partition, a.offset, a.event);
    maxTs.set(a.partition, Math.max(maxTs.get(a.partition)!, a.event.ts));
    const wm = Math.min(...maxTs.values()) - ooo;
    if (wm > watermark) watermark = wm;
    order.release(watermark, deliver);
    if (i === checkpointAt) {
      const restored = new EventTimeOrder();
      restored.restore(JSON.parse(JSON.stringify(order.toJSON())));
      order = restored;
    }
  });
  order.release(Number.POSITIVE_INFINITY, deliver);
  return seen;
}

describe('EventTimeOrder', () => {
  it('releases only events behind the watermark, in (time, partition, offset) order', () => {
    const order = new EventTimeOrder();
    order.push('t:1', '0', { ts: 5 });
    order.push('t:0', '0', { ts: 5 });
    order.push('t:0', '1', { ts: 3 });
    order.push('t:1', '1', { ts: 9 });
    const seen: string[] = [];
    order.release(6, (e, p, o) => seen.push(`${e.ts}/${p}/${o}`));
    expect(seen).toEqual(['3/t:0/1', '5/t:0/0', '5/t:1/0']);
    expect(order.size).toBe(1);
    expect(order.nextTs).toBe(9);
    // an event at exactly the watermark may still be joined by another of the same time: held
    order.release(9, () => seen.push('x'));
    expect(seen).toHaveLength(3);
  });

  it('gives the same sequence for every interleaving of partitions that respects the bound', () => {
    const ooo = 10;
    fc.assert(
      fc.property(
        partitionsArb(ooo),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (streams, scheduleA, scheduleB) => {
          const names = streams.map((_, p) => `t:${p}`);
          const a = run(interleave(streams, scheduleA), names, ooo);
          const b = run(interleave(streams, scheduleB), names, ooo);
          expect(a).toEqual(b);
          const all = streams.flat();
          expect(a).toHaveLength(all.length);
          // canonical: sorted by time, then partition, then offset
          const sorted = all
            .slice()
            .sort(
              (x, y) =>
                x.event.ts - y.event.ts ||
                x.partition.localeCompare(y.partition) ||
                Number(x.offset) - Number(y.offset),
            )
            .map((x) => `${x.event.ts}/${x.partition}/${x.offset}`);
          expect(a).toEqual(sorted);
        },
      ),
    );
  });

  it('a checkpoint of held events restores the same sequence', () => {
    const ooo = 10;
    fc.assert(
      fc.property(partitionsArb(ooo), fc.array(fc.nat(), { minLength: 1 }), fc.nat(), (streams, s, at) => {
        const names = streams.map((_, p) => `t:${p}`);
        const arrivals = interleave(streams, s);
        const straight = run(arrivals, names, ooo);
        const restored = run(arrivals, names, ooo, arrivals.length ? at % arrivals.length : -1);
        expect(restored).toEqual(straight);
      }),
    );
  });
});
