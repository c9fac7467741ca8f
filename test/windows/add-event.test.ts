import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import type { Event } from '../../src/core/event.js';
import { Random } from '../../src/core/random.js';
import { compileWindow, createStates, type WindowSpec } from '../../src/windows/window-spec.js';

/** What `addEvent` means, as the plain loop it was: every aggregate takes its field's value. */
function referenceAdd(spec: WindowSpec, states: unknown[], event: Event): void {
  spec.columns.forEach((c, i) => {
    if (c.field === undefined) {
      states[i] = c.agg.add(states[i], 1);
      return;
    }
    const v = event[c.field];
    if (v === null || v === undefined) return;
    states[i] = c.timed ? c.timed.addAt(states[i], v, event.ts) : c.agg.add(states[i], v);
  });
}

describe('WindowSpec.addEvent (compiled per window)', () => {
  it('gives the states of the plain loop over every aggregate, with absent and null values skipped', () => {
    const config = parseConfig({
      source: { type: 'generator' },
      schema: {
        fields: { g: 'string', x: 'number', n: 'integer', s: 'string', b: 'boolean', y_2: 'number' },
        optional: ['x', 'n', 's', 'b', 'y_2'],
      },
      windows: [
        {
          name: 'w',
          type: 'tumbling',
          size: '1m',
          groupBy: ['g'],
          aggregates: [
            { fn: 'count' },
            { fn: 'sum', field: 'x' },
            { fn: 'mean', field: 'n' },
            { fn: 'min', field: 'x' },
            { fn: 'max', field: 'y_2', as: 'y_max' },
            { fn: 'stddev', field: 'x' },
            { fn: 'quantile', field: 'x', q: 0.9 },
            { fn: 'distinct', field: 's' },
            { fn: 'topk', field: 'b', k: 2 },
            { fn: 'first', field: 's' },
            { fn: 'last', field: 'n' },
          ],
        },
      ],
    }).windows[0]!;
    const spec = compileWindow('p', config);
    const rng = new Random(3);
    const pick = <T>(v: T): T | null | undefined =>
      rng.next() < 0.15 ? null : rng.next() < 0.15 ? undefined : v;
    const compiled = createStates(spec.columns);
    const plain = createStates(spec.columns);
    for (let i = 0; i < 3_000; i++) {
      const e: Event = { ts: 1_000 + Math.floor(rng.next() * 60_000), g: 'a' };
      const fields = {
        x: pick(rng.gaussian() * 10),
        n: pick(rng.int(100)),
        s: pick(`s${rng.int(30)}`),
        b: pick(rng.next() < 0.3),
        y_2: pick(rng.next()),
      };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) e[k] = v;
      spec.addEvent(compiled, e);
      referenceAdd(spec, plain, e);
    }
    expect(spec.columns.map((c, i) => c.agg.toJSON(compiled[i]))).toEqual(
      spec.columns.map((c, i) => c.agg.toJSON(plain[i])),
    );
    expect(spec.columns.map((c, i) => c.agg.result(compiled[i]))).toEqual(
      spec.columns.map((c, i) => c.agg.result(plain[i])),
    );
  });
});
