import { describe, expect, it } from 'vitest';
import { tabSeparatedLine } from '../../src/sinks/tab-separated.js';

describe('TabSeparated rows (ClickHouse inserts)', () => {
  it('writes nulls, booleans, numbers and strings as ClickHouse reads them', () => {
    expect(tabSeparatedLine(['p1', null, true, false, 42, -0.5, 2 ** 53 - 1, 1e300, ''])).toBe(
      'p1\t\\N\t1\t0\t42\t-0.5\t9007199254740991\t1e+300\t\n',
    );
  });

  it('escapes the escape, tab, newline and carriage return, and nothing else', () => {
    expect(tabSeparatedLine(['a\\b\tc\nd\re', 'it\'s "q" é 😀 \x00'])).toBe(
      'a\\\\b\\tc\\nd\\re\tit\'s "q" é 😀 \x00\n',
    );
  });

  it('keeps the shortest round-tripping text of a double', () => {
    for (const x of [0.1, 1 / 3, 5e-324, 123456.789, -1.25e-7]) {
      const field = tabSeparatedLine([x]).slice(0, -1);
      expect(Number(field)).toBe(x);
    }
  });
});
