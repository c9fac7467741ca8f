import { describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../src/core/errors.js';
import type { Row, Sink, TableSpec } from '../../src/sinks/sink.js';
import { HOSTILE_STRINGS } from './hostile-strings.js';

/** A sink under test plus the `queryAll` helper every streamlearn sink provides. */
export type TestSink = Sink & { queryAll(table: string): Promise<Row[]> };

export const WINDOW_TABLE: TableSpec = {
  name: 'win_1m',
  columns: [
    { name: 'pipeline', type: 'string' },
    { name: 'grp', type: 'string' },
    { name: 'window_start', type: 'int64' },
    { name: 'n', type: 'int64' },
    { name: 'mean', type: 'float64', nullable: true },
    { name: 'late', type: 'bool' },
    { name: 'top', type: 'json', nullable: true },
    { name: 'note', type: 'string', nullable: true },
    { name: 'version', type: 'int64' },
  ],
  key: ['pipeline', 'grp', 'window_start'],
  versionColumn: 'version',
  timeColumn: 'window_start',
};

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function row(grp: string, w: number, version: number, extra: Partial<Row> = {}): Row {
  return {
    pipeline: 'p1',
    grp,
    window_start: T0 + w * MIN,
    n: version * 10 + w,
    mean: version === 1 ? null : version + w / 4,
    late: version === 3,
    top: JSON.stringify([{ k: grp, c: version }]),
    note: version === 2 ? null : `v${version}`,
    version,
    ...extra,
  };
}

/** Three versions of overlapping rows, spread over several writes and out of order. */
export function threeVersions(): Row[][] {
  const groups = ['a', 'b', 'c'];
  const v = (version: number, windows: number[]): Row[] =>
    groups.flatMap((g) => windows.map((w) => row(g, w, version)));
  return [
    v(1, [0, 1, 2, 3]),
    [...v(2, [1, 2]), ...v(1, [4])],
    // A batch holding two versions of the same key: the higher one wins whatever the order.
    [...v(3, [2]), ...v(2, [2, 3])],
    // A late, older version after the newer one was written: must not win.
    v(1, [2, 3]),
  ];
}

/** What the table holds after {@link threeVersions}: the latest version per key. */
export function expectedLatest(): Row[] {
  const out: Row[] = [];
  for (const g of ['a', 'b', 'c']) {
    for (const [w, version] of [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 2],
      [4, 1],
    ] as const) {
      out.push(row(g, w, version));
    }
  }
  return out;
}

/**
 * The behaviour every sink promises, run against each implementation. `open` returns a fresh sink
 * on the same storage each time it is called (so reopening tests persistence). `tables: false`
 * for a sink without a stored schema (JSONL files: each line names its columns), which skips the
 * table-evolution case.
 */
export function describeSinkContract(
  name: string,
  open: () => Promise<TestSink>,
  { tables = true }: { tables?: boolean } = {},
): void {
  describe(`${name}: Sink contract`, () => {
    it('keeps only the latest version per key, newest first', async () => {
      const sink = await open();
      try {
        await sink.ensureTables([WINDOW_TABLE]);
        await sink.ensureTables([WINDOW_TABLE]); // idempotent
        for (const batch of threeVersions()) await sink.write('win_1m', batch);
        const all = await sink.queryAll('win_1m');
        expect(all).toEqual(expectedLatest());
        const newest = await sink.query('win_1m');
        expect(newest).toHaveLength(15);
        expect(newest.map((r) => r.window_start)).toEqual(
          [4, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0].map((w) => T0 + w * MIN),
        );
        expect(newest.slice(0, 3).map((r) => r.grp)).toEqual(['a', 'b', 'c']);
        expect(new Set(newest.map((r) => JSON.stringify(r)))).toEqual(
          new Set(all.map((r) => JSON.stringify(r))),
        );
      } finally {
        await sink.close();
      }
    });

    it('persists across a reopen and filters with from/to/where/limit', async () => {
      const sink = await open();
      try {
        await sink.ensureTables([WINDOW_TABLE]);
        expect(await sink.queryAll('win_1m')).toEqual(expectedLatest());
        const range = await sink.query('win_1m', { from: T0 + MIN, to: T0 + 3 * MIN });
        expect(range.map((r) => [r.grp, r.window_start])).toEqual([
          ['a', T0 + 2 * MIN],
          ['b', T0 + 2 * MIN],
          ['c', T0 + 2 * MIN],
          ['a', T0 + MIN],
          ['b', T0 + MIN],
          ['c', T0 + MIN],
        ]);
        expect(await sink.query('win_1m', { where: { grp: 'b' }, limit: 2 })).toEqual([
          row('b', 4, 1),
          row('b', 3, 2),
        ]);
        expect(await sink.query('win_1m', { where: { grp: 'b', late: true } })).toEqual([row('b', 2, 3)]);
        expect(await sink.query('win_1m', { where: { grp: "b' OR 1=1 --" } })).toEqual([]);
        // A filter on a non-key column sees only the latest version: a stale match must not show.
        expect(
          await sink.query('win_1m', {
            where: { grp: 'a', late: false },
            from: T0 + 2 * MIN,
            to: T0 + 3 * MIN,
          }),
        ).toEqual([]);
        expect(await sink.query('win_1m', { where: { n: 22 } })).toEqual([]); // only v2 of window 2 had n = 22
        expect(await sink.query('win_1m', { where: { n: 32 } })).toHaveLength(3);

        expect(await sink.query('win_1m', { where: { window_start: T0, pipeline: 'p1' } })).toHaveLength(3);
        expect(await sink.query('win_1m', { limit: 0 })).toEqual([]);
      } finally {
        await sink.close();
      }
    });

    it('round-trips nulls, quotes, control characters and unicode', async () => {
      const sink = await open();
      try {
        await sink.ensureTables([WINDOW_TABLE]);
        const rows = HOSTILE_STRINGS.map((s, i) =>
          row(s, 100 + i, 5, { note: s, top: JSON.stringify({ s }), mean: null, pipeline: 'hostile' }),
        );
        await sink.write('win_1m', rows);
        for (const r of rows) {
          const found = await sink.query('win_1m', { where: { pipeline: 'hostile', grp: r.grp as string } });
          expect(found).toEqual([r]);
        }
      } finally {
        await sink.close();
      }
    });

    it('stores an aggregate that overflowed float64 (±Infinity, NaN) as null, keeping the row', async () => {
      const sink = await open();
      try {
        await sink.ensureTables([WINDOW_TABLE]);
        const rows: Row[] = [
          { ...row('inf', 0, 2), mean: Number.POSITIVE_INFINITY, pipeline: 'overflow' },
          { ...row('ninf', 0, 2), mean: Number.NEGATIVE_INFINITY, pipeline: 'overflow' },
          { ...row('nan', 0, 2), mean: Number.NaN, pipeline: 'overflow' },
        ];
        await sink.write('win_1m', rows);
        for (const r of rows)
          expect(
            await sink.query('win_1m', { where: { pipeline: 'overflow', grp: r.grp as string } }),
          ).toEqual([{ ...r, mean: null }]);
      } finally {
        await sink.close();
      }
    });

    if (tables)
      it('takes a table an earlier configuration made: gained columns are added, a changed key or type fails the start', async () => {
        // version 1 of a window: count only; version 2 adds a mean and drops `n`'s sibling `old`
        const base = WINDOW_TABLE.columns.filter((c) =>
          ['pipeline', 'grp', 'window_start', 'version'].includes(c.name),
        );
        const v1: TableSpec = {
          ...WINDOW_TABLE,
          name: 'evolving',
          columns: [...base, { name: 'n', type: 'int64' }, { name: 'old', type: 'int64' }],
        };
        const v2: TableSpec = {
          ...v1,
          columns: [
            ...base,
            { name: 'n', type: 'int64' },
            { name: 'mean', type: 'float64', nullable: true },
            { name: 'p95', type: 'float64' },
          ],
        };
        const key = { pipeline: 'p1', window_start: T0 };
        // a restart with the new configuration: a sink of its own
        const before = await open();
        try {
          await before.ensureTables([v1]);
          await before.write('evolving', [{ ...key, grp: 'a', n: 1, old: 7, version: 1 }]);
        } finally {
          await before.close();
        }
        const sink = await open();
        try {
          await sink.ensureTables([v2]);
          await sink.write('evolving', [{ ...key, grp: 'b', n: 2, mean: 0.5, p95: 9, version: 1 }]);
          // rows written before read null in the added columns (even one the spec never leaves null)
          expect(await sink.queryAll('evolving')).toEqual([
            { ...key, grp: 'a', n: 1, mean: null, p95: null, version: 1 },
            { ...key, grp: 'b', n: 2, mean: 0.5, p95: 9, version: 1 },
          ]);
          await sink.ensureTables([v2]); // and again: nothing left to change
          for (const [changed, fragment] of [
            [
              { ...v2, key: ['pipeline', 'window_start'] },
              'its key is (pipeline, grp, window_start), this pipeline writes (pipeline, window_start)',
            ],
            [
              { ...v2, columns: v2.columns.map((c) => (c.name === 'n' ? { ...c, type: 'float64' } : c)) },
              'column n is',
            ],
            [
              { ...v2, columns: v2.columns.map((c) => (c.name === 'n' ? { ...c, nullable: true } : c)) },
              'column n refuses nulls',
            ],
          ] as [TableSpec, string][]) {
            const err = await sink.ensureTables([changed]).catch((e: unknown) => e);
            expect(err).toMatchObject({ code: 'SL_ERR_CONFIG' });
            expect((err as Error).message).toContain('evolving');
            expect((err as Error).message).toContain(fragment);
          }
        } finally {
          await sink.close();
        }
      });

    it('refuses bad rows, unknown tables and bad filters with coded errors', async () => {
      const sink = await open();
      try {
        await sink.ensureTables([WINDOW_TABLE]);
        const bad: Row[] = [
          { ...row('x', 0, 1), n: 1.5 },
          { ...row('x', 0, 1), n: Number.POSITIVE_INFINITY },
          { ...row('x', 0, 1), grp: null },
          { ...row('x', 0, 1), version: -1 },
          { ...row('x', 0, 1), surprise: 1 },
        ];
        for (const r of bad) {
          const err = await sink.write('win_1m', [row('ok', 0, 9), r]).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(StreamlearnError);
          expect(err).toMatchObject({ code: 'SL_ERR_SINK', retriable: false });
        }
        // A refused batch is refused whole: its good row was not written either.
        expect(await sink.query('win_1m', { where: { grp: 'ok' } })).toEqual([]);
        await expect(sink.write('nope', [row('x', 0, 1)])).rejects.toMatchObject({
          code: 'SL_ERR_NOT_FOUND',
        });
        await expect(sink.query('nope')).rejects.toMatchObject({ code: 'SL_ERR_NOT_FOUND' });
        await expect(sink.query('win_1m', { where: { nope: 1 } })).rejects.toMatchObject({
          code: 'SL_ERR_VALIDATION',
        });
        await expect(sink.query('win_1m', { where: { n: 'x' } })).rejects.toMatchObject({
          code: 'SL_ERR_VALIDATION',
        });
        await expect(sink.query('win_1m', { from: 1.5 })).rejects.toMatchObject({
          code: 'SL_ERR_VALIDATION',
        });
        await expect(sink.query('win_1m', { limit: -1 })).rejects.toMatchObject({
          code: 'SL_ERR_VALIDATION',
        });
        await expect(sink.ensureTables([{ ...WINDOW_TABLE, name: 'bad-name' }])).rejects.toMatchObject({
          code: 'SL_ERR_CONFIG',
        });
        await sink.ping();
      } finally {
        await sink.close();
      }
    });
  });
}
