import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, type WindowConfig } from '../../src/core/config/index.js';
import type { Event, FieldValue } from '../../src/core/event.js';
import { compileWindow, createWindow } from '../../src/windows/index.js';

const SCHEMA = { fields: { a: 'string', b: 'string', n: 'number' }, optional: ['a', 'b', 'n'] };

function config(groupBy: string[], type: 'tumbling' | 'session' = 'tumbling'): WindowConfig {
  const shape = type === 'tumbling' ? { size: 1000 } : { gap: 1000 };
  return parseConfig({
    source: { type: 'generator' },
    schema: SCHEMA,
    windows: [{ name: 'w', type, ...shape, groupBy, aggregates: [{ fn: 'count' }] }],
  }).windows[0]!;
}

/** Strings made of the characters the key scheme reserves, and ordinary ones. */
const tricky = fc.oneof(
  fc.constantFrom(
    'null',
    'undefined',
    '',
    '\u0000',
    '\u0000\u0000',
    '\u0001',
    '\u0002',
    'a\u0001',
    '\u0001b',
  ),
  fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u0001', '\u0002'), maxLength: 4 }),
);
const value: fc.Arbitrary<FieldValue> = fc.oneof(tricky, fc.constant(null));

describe('group keys', () => {
  it('are one-to-one with group values, for one field and for several', () => {
    const one = compileWindow('p', config(['a']));
    const two = compileWindow('p', config(['a', 'b']));
    fc.assert(
      fc.property(fc.tuple(value, value), fc.tuple(value, value), (x, y) => {
        const same = x[0] === y[0] && x[1] === y[1];
        expect(two.keyOfValues(x) === two.keyOfValues(y)).toBe(same);
        expect(one.keyOfValues([x[0]]) === one.keyOfValues([y[0]])).toBe(x[0] === y[0]);
        // the event path and the values path agree
        expect(two.groupKey({ ts: 0, a: x[0], b: x[1] })).toBe(two.keyOfValues(x));
      }),
      { numRuns: 2000 },
    );
  });

  it('keep the keys of ordinary strings and numbers as they were (checkpoints stay readable)', () => {
    expect(compileWindow('p', config(['a'])).keyOfValues(['u42'])).toBe('u42');
    expect(compileWindow('p', config(['n'])).keyOfValues([7.5])).toBe('7.5');
    expect(compileWindow('p', config(['a', 'n'])).keyOfValues(['eu', 3])).toBe('eu\u00013');
  });

  it('give the string "null", null, and strings that differ only in where a separator falls rows of their own', () => {
    for (const type of ['tumbling', 'session'] as const) {
      const { operator } = createWindow('p', config(['a', 'b'], type));
      const events: Event[] = [
        { ts: 1, a: null, b: 'x' },
        { ts: 2, a: 'null', b: 'x' },
        { ts: 3, a: 'k\u0001', b: 'v' },
        { ts: 4, a: 'k', b: '\u0001v' },
        { ts: 5, a: null, b: 'x' },
      ];
      for (const e of events) operator.add(e, Number.NEGATIVE_INFINITY);
      const rows = operator.advance(Number.POSITIVE_INFINITY).filter((r) => !r.retracted);
      const counts = rows.map((r) => [r.a, r.b, r.count]);
      expect(counts).toHaveLength(4);
      expect(counts).toEqual(
        expect.arrayContaining([
          [null, 'x', 2],
          ['null', 'x', 1],
          ['k\u0001', 'v', 1],
          ['k', '\u0001v', 1],
        ]),
      );
    }
  });

  it('are rebuilt from the values on restore, so a null group of an older checkpoint ("null") meets new events', () => {
    for (const type of ['tumbling', 'session'] as const) {
      const cfg = config(['a'], type);
      const { operator } = createWindow('p', cfg);
      operator.add({ ts: 10, a: null }, Number.NEGATIVE_INFINITY);
      // what the earlier key scheme wrote for this group: String(null)
      const snapshot = JSON.parse(JSON.stringify(operator.snapshot()).replaceAll('"\\u0000"', '"null"'));
      expect(JSON.stringify(snapshot)).toContain('"null"');
      const restored = createWindow('p', cfg).operator;
      restored.restore(snapshot);
      restored.add({ ts: 20, a: null }, Number.NEGATIVE_INFINITY);
      const rows = restored.advance(Number.POSITIVE_INFINITY).filter((r) => !r.retracted);
      expect(rows.map((r) => [r.a, r.count])).toEqual([[null, 2]]);
    }
  });
});
