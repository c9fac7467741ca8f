import { describe, expect, it } from 'vitest';
import { compareByKey, prepareTable, whereConditions } from '../../src/sinks/table-spec.js';
import { WINDOW_TABLE } from './sink-contract.js';

describe('prepareTable', () => {
  it('refuses specs the sinks cannot keep idempotent', () => {
    const bad = [
      { ...WINDOW_TABLE, key: [] },
      { ...WINDOW_TABLE, key: ['missing'] },
      { ...WINDOW_TABLE, key: ['mean'] }, // nullable key
      { ...WINDOW_TABLE, versionColumn: 'mean' },
      { ...WINDOW_TABLE, versionColumn: 'grp' },
      { ...WINDOW_TABLE, timeColumn: 'grp' },
      { ...WINDOW_TABLE, columns: [...WINDOW_TABLE.columns, { name: 'bad name', type: 'int64' as const }] },
      { ...WINDOW_TABLE, columns: [...WINDOW_TABLE.columns, WINDOW_TABLE.columns[0]!] },
    ];
    for (const spec of bad)
      expect(() => prepareTable(spec)).toThrow(expect.objectContaining({ code: 'SL_ERR_CONFIG' }));
  });
});

describe('compareByKey', () => {
  it('orders strings by code point, as UTF-8 bytes sort in ClickHouse and DuckDB', () => {
    const t = prepareTable({ ...WINDOW_TABLE, key: ['grp'] });
    const rows = ['😀', '\uFFFF', 'b', 'a', 'ab', '', 'é'].map((grp) => ({ grp }));
    expect(rows.sort(compareByKey(t)).map((r) => r.grp)).toEqual(['', 'a', 'ab', 'b', 'é', '\uFFFF', '😀']);
  });
});

describe('whereConditions', () => {
  it('encodes typed filters through the literal encoder', () => {
    const t = prepareTable(WINDOW_TABLE);
    expect(whereConditions(t, { from: 1, to: 2, where: { grp: "x' --", late: true } }, 'clickhouse')).toEqual(
      ['`window_start` >= 1', '`window_start` < 2', "`grp` = 'x\\' --'", '`late` = 1'],
    );
    expect(whereConditions(t, { where: { grp: "x' --", late: false } }, 'duckdb')).toEqual([
      `"grp" = 'x'' --'`,
      '"late" = FALSE',
    ]);
  });
});
