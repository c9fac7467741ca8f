import { afterEach, describe, expect, it, vi } from 'vitest';
import { fieldReader, numberReader } from '../../src/core/field-reader.js';

const names = ['a', 'b"c', 'd\\e', 'f\ng', 'toString', '__proto__', 'absent', '0', 'ünï'];
const proto = { inherited: 5 };
const event: Record<string, unknown> = Object.assign(Object.create(proto) as object, {
  a: 1.5,
  'b"c': 'text',
  'd\\e': -0,
  'f\ng': null,
  0: Number.POSITIVE_INFINITY,
  ünï: true,
});
const keyed = (x: Record<string, unknown>): unknown[] => [...names, 'inherited'].map((n) => x[n]);

function check(): void {
  const all = [...names, 'inherited'];
  const out: unknown[] = [];
  fieldReader(all)(event, out);
  expect(out).toEqual(keyed(event));
  expect(Object.is(out[2], -0)).toBe(true);
  const nums = new Float64Array(all.length);
  numberReader(all)(event, nums);
  expect([...nums]).toEqual(keyed(event).map((v) => (typeof v === 'number' ? v : Number.NaN)));
  expect(Object.is(nums[2], -0)).toBe(true);
}

describe('field readers', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('read what x[name] reads: odd names, inherited values, absent fields, -0', check);

  it('read the same where code generation from strings is refused', () => {
    vi.stubGlobal('Function', () => {
      throw new EvalError('code generation from strings disallowed');
    });
    expect(String(fieldReader(['a']))).toContain('names[k]'); // the loop, not a compiled reader
    check();
  });
});
