import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import type { Event } from '../../src/core/event.js';
import { compileWindow, createWindow } from '../../src/windows/index.js';

function windowOf(groupBy: string[], aggregates: object[], type: 'tumbling' | 'hopping' | 'session') {
  const fields = Object.fromEntries(groupBy.map((g) => [g, 'string']));
  const shape =
    type === 'tumbling' ? { size: 1000 } : type === 'hopping' ? { size: 2000, slide: 1000 } : { gap: 1000 };
  return parseConfig({
    source: { type: 'generator' },
    schema: { fields: { ...fields, x: 'number' }, optional: [...groupBy, 'x'] },
    windows: [{ name: 'w', type, ...shape, groupBy, aggregates }],
  }).windows[0]!;
}

/** Rows of a window over `events`, all fired. */
function rowsOf(config: ReturnType<typeof windowOf>, events: Event[]): Record<string, unknown>[] {
  const { operator } = createWindow('p', config);
  for (const e of events) operator.add(e, Number.NEGATIVE_INFINITY);
  return operator.advance(Number.POSITIVE_INFINITY);
}

describe('window rows', () => {
  const aggregates = [{ fn: 'count' }, { fn: 'sum', field: 'x' }, { fn: 'max', field: 'x', as: 'top' }];

  for (const type of ['tumbling', 'hopping', 'session'] as const) {
    it(`of a ${type} window hold the table's columns in table order, group values null when absent`, () => {
      const config = windowOf(['a', 'b'], aggregates, type);
      const rows = rowsOf(config, [
        { ts: 100, a: 'u', b: 'v', x: 2 },
        { ts: 200, a: 'u', x: 3 },
      ]);
      const table = compileWindow('p', config);
      const columns = ['pipeline', 'window', 'a', 'b', 'start', 'end', 'version', 'retracted'];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(Object.keys(row)).toEqual([...columns, ...table.columns.map((c) => c.column)]);
        expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
        expect(row.pipeline).toBe('p');
        expect(row.window).toBe('w');
        expect(row.retracted).toBe(false);
      }
      const first = rows.find((r) => r.b === 'v')!;
      expect(first).toMatchObject({ a: 'u', b: 'v', count: 1, sum_x: 2, top: 2 });
      expect(rows.find((r) => r.b === null)).toMatchObject({ a: 'u', count: 1, sum_x: 3, top: 3 });
    });
  }

  it('keep a group-by field named __proto__ as an own column, not as the prototype', () => {
    // the config refuses the name; a window built around it still writes it as data
    expect(() => windowOf(['__proto__'], [{ fn: 'count' }], 'tumbling')).toThrow(/reserved/);
    const config = { ...windowOf(['g'], [{ fn: 'count' }], 'tumbling'), groupBy: ['__proto__'] };
    const event = JSON.parse('{"ts": 5, "__proto__": "k", "x": 1}') as Event;
    const [row] = rowsOf(config, [event]);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row!)).toEqual([
      'pipeline',
      'window',
      '__proto__',
      'start',
      'end',
      'version',
      'retracted',
      'count',
    ]);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('k');
    expect(JSON.parse(JSON.stringify(row))).toEqual(
      JSON.parse(
        '{"pipeline":"p","window":"w","__proto__":"k","start":0,"end":1000,"version":1,"retracted":false,"count":1}',
      ),
    );
  });
});
