import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseSinkSchema } from '../../../src/core/config/sinks.js';
import { StreamlearnError } from '../../../src/core/errors.js';
import { ClickhouseSink } from '../../../src/sinks/clickhouse-sink.js';
import type { Row } from '../../../src/sinks/sink.js';
import { createSink } from '../../../src/sinks/index.js';
import { sqlLiteral } from '../../../src/sinks/sql-literal.js';
import { HOSTILE_STRINGS } from '../../sinks/hostile-strings.js';
import {
  describeSinkContract,
  expectedLatest,
  threeVersions,
  WINDOW_TABLE,
} from '../../sinks/sink-contract.js';

// The real ClickHouse from scripts/services.sh. No skip: a missing service fails these tests.
const url = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const database = `sl_test_${Date.now()}_${randomBytes(3).toString('hex')}`;

function config(overrides: Record<string, unknown> = {}) {
  return clickhouseSinkSchema.parse({
    type: 'clickhouse',
    url,
    database,
    retry: { attempts: 3, initialDelay: 5, maxDelay: 20 },
    ...overrides,
  });
}

/** Runs SQL over plain HTTP, independent of the code under test. */
async function sql(query: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: query });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse ${res.status}: ${text}`);
  return text;
}

beforeAll(async () => {
  const res = await fetch(`${url}/ping`).catch((err: unknown) => {
    throw new Error(`ClickHouse is not reachable at ${url} (start it with scripts/services.sh up)`, {
      cause: err,
    });
  });
  expect(await res.text()).toBe('Ok.\n');
});
afterAll(async () => {
  await sql(`DROP DATABASE IF EXISTS ${database}`);
});

// Small batches so three versions of 15 keys span many INSERTs (and many parts before merges).
describeSinkContract('clickhouse', async () => new ClickhouseSink(config({ batchRows: 4 })));

describe('ClickhouseSink on the real server', () => {
  it('round-trips every hostile literal exactly through SELECT', async () => {
    for (const s of HOSTILE_STRINGS) {
      const out = await sql(`SELECT ${sqlLiteral(s, 'clickhouse')} AS v FORMAT JSONEachRow`);
      expect((JSON.parse(out) as { v: string }).v).toBe(s);
    }
    for (const n of [0, -1, 42, 2 ** 53 - 1, -(2 ** 53 - 1), 0.5, -1.25e-7, 1e300]) {
      const out = await sql(`SELECT toString(${sqlLiteral(n, 'clickhouse')}) AS v FORMAT JSONEachRow`);
      expect(Number((JSON.parse(out) as { v: string }).v)).toBe(n);
    }
  });

  it('writes RowBinary exactly: int64 and float64 extremes, long and multi-byte strings, booleans, nulls', async () => {
    const sink = new ClickhouseSink(config({ batchRows: 3 }));
    const spec = {
      name: 'row_binary_edges',
      columns: [
        { name: 'id', type: 'int64' as const },
        { name: 'n', type: 'int64' as const, nullable: true },
        { name: 'x', type: 'float64' as const, nullable: true },
        { name: 's', type: 'string' as const },
        { name: 'b', type: 'bool' as const, nullable: true },
        { name: 'j', type: 'json' as const, nullable: true },
        { name: 'version', type: 'int64' as const },
      ],
      key: ['id'],
      versionColumn: 'version',
      timeColumn: 'id',
    };
    const long = 'x'.repeat(300); // a two-byte length prefix
    const wide = 'é中😀'.repeat(40); // non-ASCII, > 127 bytes
    const rows: Row[] = [
      { id: 1, n: 2 ** 53 - 1, x: 1e300, s: long, b: true, j: '{"a":[1,"two"]}', version: 2 ** 53 - 1 },
      { id: 2, n: -(2 ** 53 - 1), x: -1.25e-7, s: wide, b: false, j: '"text"', version: 0 },
      { id: 3, n: -1, x: -0.5, s: '', b: null, j: null, version: 1 },
      { id: 4, n: 2 ** 32, x: Number.MIN_VALUE, s: 'é', version: 1 },
      { id: 5, n: -(2 ** 32) - 1, x: Infinity, s: HOSTILE_STRINGS.join('|'), version: 1 },
    ];
    try {
      await sink.ensureTables([spec]);
      await sink.write('row_binary_edges', rows);
      expect(await sink.queryAll('row_binary_edges')).toEqual([
        rows[0],
        rows[1],
        rows[2],
        { ...rows[3], b: null, j: null },
        { ...rows[4], x: null, b: null, j: null },
      ]);
    } finally {
      await sink.close();
    }
  });

  it('creates ReplacingMergeTree tables with 18.16 types', async () => {
    const sink = createSink(config());
    await sink.ensureTables([WINDOW_TABLE]);
    await sink.close();
    const ddl = await sql(`SHOW CREATE TABLE ${database}.win_1m FORMAT TSVRaw`);
    expect(ddl).toContain('ReplacingMergeTree(version)');
    expect(ddl).toMatch(/ORDER BY \(pipeline, grp, window_start\)/);
    expect(ddl).toContain('mean Nullable(Float64)');
    expect(ddl).toContain('version UInt64');
    expect(ddl).toContain('late UInt8');
  });

  it('still returns only the latest versions after parts merge', async () => {
    const sink = new ClickhouseSink(config({ batchRows: 4 }));
    try {
      await sink.ensureTables([WINDOW_TABLE]);
      await sql(`OPTIMIZE TABLE ${database}.win_1m FINAL`);
      const all = await sink.queryAll('win_1m');
      const latest = expectedLatest();
      expect(all.filter((r) => r.pipeline === 'p1')).toEqual(latest);
      // A replay of every batch (what a crash before the offset commit causes) changes nothing.
      for (const batch of threeVersions()) await sink.write('win_1m', batch);
      expect((await sink.queryAll('win_1m')).filter((r) => r.pipeline === 'p1')).toEqual(latest);
    } finally {
      await sink.close();
    }
  });

  it('writes by column name: a table an older spec made, with another column first, takes the rows', async () => {
    await sql(
      `CREATE TABLE ${database}.older (extra String DEFAULT 'kept', k String, v Nullable(Float64), version UInt64) ` +
        'ENGINE = ReplacingMergeTree(version) ORDER BY (k)',
    );
    const sink = new ClickhouseSink(config());
    try {
      const spec = {
        name: 'older',
        columns: [
          { name: 'k', type: 'string' as const },
          { name: 'v', type: 'float64' as const, nullable: true },
          { name: 'version', type: 'int64' as const },
        ],
        key: ['k'],
        versionColumn: 'version',
        timeColumn: 'version',
      };
      await sink.ensureTables([spec]);
      await sink.write('older', [
        { k: 'tab\there', v: 0.1, version: 1 },
        { k: 'null', v: null, version: 2 },
      ]);
      const out = await sql(
        `SELECT extra, k, v, version FROM ${database}.older ORDER BY k FORMAT JSONEachRow`,
      );
      expect(
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([
        { extra: 'kept', k: 'null', v: null, version: '2' },
        { extra: 'kept', k: 'tab\there', v: 0.1, version: '1' },
      ]);
    } finally {
      await sink.close();
    }
  });

  it('surfaces a schema error at once as a non-retriable SL_ERR_SINK', async () => {
    // The table loses a column this process writes after the start (an operator's ALTER): ClickHouse
    // refuses the insert. (A column missing at the start is added by ensureTables.)
    await sql(
      `CREATE TABLE ${database}.narrow (k String, ts Int64, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k`,
    );
    const spec = {
      name: 'narrow',
      columns: [
        { name: 'k', type: 'string' as const },
        { name: 'ts', type: 'int64' as const },
        { name: 'extra', type: 'float64' as const },
        { name: 'v', type: 'int64' as const },
      ],
      key: ['k'],
      versionColumn: 'v',
      timeColumn: 'ts',
    };
    const retries: unknown[] = [];
    const sink = new ClickhouseSink(config({ retry: { attempts: 5, initialDelay: 1000, maxDelay: 1000 } }), {
      onRetry: (err) => retries.push(err),
    });
    try {
      await sink.ensureTables([spec]);
      await sql(`ALTER TABLE ${database}.narrow DROP COLUMN extra`);
      const err = await sink.write('narrow', [{ k: 'a', ts: 1, extra: 1.5, v: 1 }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StreamlearnError);
      expect(err).toMatchObject({ code: 'SL_ERR_SINK', retriable: false });
      expect((err as Error).message).toMatch(/extra/);
      expect(retries).toEqual([]);
    } finally {
      await sink.close();
    }
  });

  it('fails after bounded retries with a retriable SL_ERR_SINK when ClickHouse is unreachable', async () => {
    const closed = new ClickhouseSink(config({ url: 'http://127.0.0.1:1' }));
    await expect(closed.ping()).rejects.toMatchObject({ code: 'SL_ERR_SINK' });
    await expect(closed.ensureTables([WINDOW_TABLE])).rejects.toMatchObject({
      code: 'SL_ERR_SINK',
      retriable: true,
    });
    await closed.close();

    // ClickHouse goes away after the tables exist: a proxy in front of it is shut, its port now closed.
    const target = new URL(url);
    const conns = new Set<Socket>();
    const proxy = createServer((client) => {
      conns.add(client);
      client.on('close', () => conns.delete(client));
      const upstream = connect(Number(target.port || 80), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const { port } = proxy.address() as AddressInfo;
    const retries: number[] = [];
    const sink = new ClickhouseSink(
      config({ url: `http://127.0.0.1:${port}`, retry: { attempts: 4, initialDelay: 5, maxDelay: 20 } }),
      {
        onRetry: (_err, attempt) => retries.push(attempt),
      },
    );
    try {
      await sink.ensureTables([WINDOW_TABLE]);
      await sink.write('win_1m', threeVersions()[0]!);
      proxy.close();
      for (const c of conns) c.destroy();
      const started = Date.now();
      const err = await sink.write('win_1m', expectedLatest()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SL_ERR_SINK', retriable: true });
      expect(retries).toEqual([1, 2, 3]); // 4 attempts in all, then it gives up
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      proxy.close();
      await sink.close();
    }
  });
});
