import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../src/core/errors.js';
import { quoteIdentifier, sqlLiteral } from '../../src/sinks/sql-literal.js';
import { HOSTILE_STRINGS } from './hostile-strings.js';

describe('sqlLiteral', () => {
  it('encodes numbers, booleans and null', () => {
    expect(sqlLiteral(42, 'clickhouse')).toBe('42');
    expect(sqlLiteral(-7, 'duckdb')).toBe('-7');
    expect(sqlLiteral(1.5, 'clickhouse')).toBe('1.5');
    expect(sqlLiteral(-0, 'duckdb')).toBe('0');
    expect(sqlLiteral(1e21, 'duckdb')).toBe('1e+21');
    expect(sqlLiteral(true, 'clickhouse')).toBe('1');
    expect(sqlLiteral(false, 'clickhouse')).toBe('0');
    expect(sqlLiteral(true, 'duckdb')).toBe('TRUE');
    expect(sqlLiteral(null, 'clickhouse')).toBe('NULL');
  });

  it('escapes quotes and backslashes per dialect', () => {
    expect(sqlLiteral("' OR 1=1 --", 'clickhouse')).toBe("'\\' OR 1=1 --'");
    expect(sqlLiteral("' OR 1=1 --", 'duckdb')).toBe("''' OR 1=1 --'");
    expect(sqlLiteral("\\'", 'clickhouse')).toBe("'\\\\\\''");
    expect(sqlLiteral("\\'", 'duckdb')).toBe("'\\'''");
  });

  it('escapes control characters so the query stays printable', () => {
    expect(sqlLiteral('a\x00b\nc\x1f', 'clickhouse')).toBe("'a\\x00b\\nc\\x1F'");
    expect(sqlLiteral('a\x00b', 'duckdb')).toBe("('a' || chr(0) || 'b')");
    expect(sqlLiteral('\n', 'duckdb')).toBe('(chr(10))');
    for (const s of HOSTILE_STRINGS) {
      for (const dialect of ['clickhouse', 'duckdb'] as const) {
        // eslint-disable-next-line no-control-regex
        expect(sqlLiteral(s, dialect)).not.toMatch(/[\x00-\x1f\x7f]/);
      }
    }
  });

  it('keeps every quote inside the literal', () => {
    for (const s of HOSTILE_STRINGS) {
      // Removing the escapes must leave no quote: otherwise a quote would end the literal early.
      const ch = sqlLiteral(s, 'clickhouse').slice(1, -1).replace(/\\./g, '');
      expect(ch).not.toContain("'");
      const duck = sqlLiteral(s, 'duckdb').replace(/^\(|\)$/g, '');
      for (const piece of duck.split(' || ')) {
        if (piece.startsWith('chr(')) continue;
        expect(piece.slice(1, -1).replaceAll("''", '')).not.toContain("'");
      }
    }
  });

  it('refuses what it cannot encode exactly', () => {
    for (const bad of [
      NaN,
      Infinity,
      -Infinity,
      undefined,
      1n,
      {},
      [],
      () => 1,
      Symbol('s'),
      new Date(0),
      '\uD800',
      'a\uDC00b',
    ]) {
      expect(() => sqlLiteral(bad, 'clickhouse')).toThrow(StreamlearnError);
      expect(() => sqlLiteral(bad, 'duckdb')).toThrow(StreamlearnError);
    }
  });
});

describe('quoteIdentifier', () => {
  it('quotes valid identifiers per dialect', () => {
    expect(quoteIdentifier('window_start', 'clickhouse')).toBe('`window_start`');
    expect(quoteIdentifier('_t1', 'duckdb')).toBe('"_t1"');
    expect(quoteIdentifier('a'.repeat(63), 'duckdb')).toBe(`"${'a'.repeat(63)}"`);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '1a', 'a-b', 'a b', 'a`b', 'a"b', "a'b", 'é', 'a'.repeat(64), 't; DROP TABLE x']) {
      expect(() => quoteIdentifier(bad, 'clickhouse')).toThrow(/not a valid SQL identifier/);
      expect(() => quoteIdentifier(bad, 'duckdb')).toThrow(/not a valid SQL identifier/);
    }
  });
});

describe('sqlLiteral round-trips through DuckDB', () => {
  let instance: DuckDBInstance;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(() => instance.closeSync());

  it('SELECT <literal> returns the exact value', async () => {
    const conn = await instance.connect();
    for (const s of HOSTILE_STRINGS) {
      const reader = await conn.runAndReadAll(`SELECT ${sqlLiteral(s, 'duckdb')} AS v`);
      expect(reader.getRowObjectsJS()[0]?.v).toBe(s);
    }
    for (const n of [0, -1, 42, 2 ** 53 - 1, 0.1, -1.25e-7, 1e300]) {
      const reader = await conn.runAndReadAll(`SELECT ${sqlLiteral(n, 'duckdb')} AS v`);
      expect(Number(reader.getRowObjectsJS()[0]?.v)).toBe(n);
    }
    const reader = await conn.runAndReadAll(
      `SELECT ${sqlLiteral(true, 'duckdb')} AS t, ${sqlLiteral(null, 'duckdb')} AS n`,
    );
    expect(reader.getRowObjectsJS()[0]).toEqual({ t: true, n: null });
    conn.closeSync();
  });
});
