import { describe, expect, it } from 'vitest';
import { RowBinaryEncoder } from '../../src/sinks/row-binary.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('RowBinaryEncoder', () => {
  it('writes each type as ClickHouse reads it', () => {
    const e = new RowBinaryEncoder([
      { type: 'int64', nullable: false },
      { type: 'float64', nullable: false },
      { type: 'string', nullable: false },
      { type: 'bool', nullable: false },
    ]);
    e.add([-2, 1.5, 'ab', true]);
    expect(hex(e.take())).toBe(
      'feffffffffffffff' + // Int64 −2, two's complement little-endian
        '000000000000f83f' + // Float64 1.5
        '026162' + // length 2, "ab"
        '01',
    );
  });

  it('prefixes Nullable values with a null flag', () => {
    const e = new RowBinaryEncoder([
      { type: 'int64', nullable: true },
      { type: 'string', nullable: true },
    ]);
    e.add([null, 'a']);
    e.add([2 ** 32 + 1, null]);
    expect(hex(e.take())).toBe('01' + '000161' + '00' + '0100000001000000' + '01');
  });

  it('writes lengths as LEB128 and non-ASCII text as UTF-8, growing its buffer', () => {
    const e = new RowBinaryEncoder([{ type: 'string', nullable: false }], 4);
    const long = 'y'.repeat(300);
    e.add([long]);
    e.add(['é😀']);
    const out = e.take();
    expect(hex(out.subarray(0, 2))).toBe('ac02'); // 300 = 0b10_0101100
    expect(out.subarray(2, 302).toString('latin1')).toBe(long);
    expect(hex(out.subarray(302))).toBe('06' + Buffer.from('é😀', 'utf8').toString('hex'));
  });

  it('starts afresh after take and refuses null in a column that is not nullable', () => {
    const e = new RowBinaryEncoder([{ type: 'bool', nullable: false }]);
    e.add([false]);
    expect(hex(e.take())).toBe('00');
    expect(e.length).toBe(0);
    expect(() => e.add([null])).toThrow(/not nullable/);
  });
});
