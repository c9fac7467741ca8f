import { describe, expect, it } from 'vitest';
import { hashHi, hashLo, hashNumber, hashString } from '../../../src/windows/aggregators/murmur3.js';

/** A string whose UTF-16LE bytes are the UTF-8 bytes of `text` (even length only), to reuse byte test vectors. */
function asUnits(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) out += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
  return out;
}

const hex = (): string =>
  (hashLo >>> 0).toString(16).padStart(8, '0') + (hashHi >>> 0).toString(16).padStart(8, '0');

describe('MurmurHash3 x86_128', () => {
  // First 64 bits of the reference C implementation's output (seed 0), as listed in the test suite
  // of daisuke-t-jp/MurmurHash-Swift. Inputs of 2..28 bytes cover every tail length parity we use.
  const vectors: [string, string][] = [
    ['He', '47f82b373b8fc728'],
    ['Hell', '7f771597e65bee6a'],
    ['Hello World!', '6bee9883eb1be4f5'],
    ['Hello World! H', 'aaadb4452b35ce37'],
    ['Hello World! Hello', '453fc5363af752fb'],
    ['Hello World! Hello World! He', '846027381e604d1d'],
    ['メロ', 'c2d1e50add88ceac'],
  ];
  for (const [text, expected] of vectors) {
    it(`matches the reference for ${JSON.stringify(text)}`, () => {
      hashString(asUnits(text), 0);
      expect(hex()).toBe(expected);
    });
  }

  it('hashes a number as its 8 IEEE-754 bytes, with -0 as 0 and one NaN', () => {
    const units = String.fromCharCode(...new Uint16Array(new Float64Array([3.25]).buffer));
    hashString(units, 7);
    const expected = hex();
    hashNumber(3.25, 7);
    expect(hex()).toBe(expected);
    hashNumber(0, 1);
    const zero = hex();
    hashNumber(-0, 1);
    expect(hex()).toBe(zero);
  });
});
