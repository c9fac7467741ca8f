import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../fixtures/drift/', import.meta.url));

/** Reads a fixture written by scripts/fixtures/drift/make_fixtures.py; non-finite numbers arrive as strings. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(dir + name, 'utf8'), (_key, value: unknown) => {
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (value === 'NaN') return NaN;
    return value;
  }) as T;
}

/** |actual − expected| ≤ tol · max(1, |expected|): relative for large values, absolute near 0. */
export function close(actual: number, expected: number, tol = 1e-9): boolean {
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}
