import { describe, expect, it } from 'vitest';
import type { Event } from '../../../src/core/event.js';
import { compileFieldReader } from '../../../src/drift/monitor/field-reader.js';

describe('compileFieldReader', () => {
  it('reads what event[name] reads; numbers unboxed, anything else as NaN', () => {
    const read = compileFieldReader(['a', 'b', 'c', 'd', 'e', 'f'], ['g', 'h', 'a']);
    const numbers = new Float64Array(6);
    const others: unknown[] = [];
    const event: Event = { ts: 1, a: 1.5, b: -0, c: 'x', d: true, e: null, g: 'eu', h: false };
    read(event, numbers, others as never);
    expect(Array.from(numbers)).toEqual([1.5, -0, NaN, NaN, NaN, NaN]);
    expect(others).toEqual(['eu', false, 1.5]);
  });

  it('quotes names, so no name is code', () => {
    const names = ["it's", 'a"b', 'back\\slash', 'line\nbreak', '\u2028', '__proto__', '}); throw 1; ({'];
    const read = compileFieldReader(names, []);
    const event = Object.fromEntries([['ts', 0], ...names.map((n, i) => [n, i])]) as Event;
    const numbers = new Float64Array(names.length);
    read(event, numbers, []);
    // Object.fromEntries makes __proto__ an own property, which event['__proto__'] reads too
    expect(Array.from(numbers)).toEqual(names.map((_, i) => i));
  });
});
