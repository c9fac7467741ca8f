import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { DuckdbSink } from '../../src/sinks/duckdb-sink.js';
import { HOSTILE_STRINGS } from '../sinks/hostile-strings.js';
import { fakeContext, testWindows } from './fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'sl-api-windows-'));
const sink = new DuckdbSink({ path: join(dir, 'test.duckdb') });
const windows = testWindows();
let app: FastifyInstance;

const row = (region: string, shard: number, start: number, version = 1) => ({
  pipeline: 'test',
  window: 'by_region',
  region,
  shard,
  start,
  end: start + 60_000,
  version,
  retracted: false,
  count: 10 * version,
  sum_amount: 1.5 * start,
});

beforeAll(async () => {
  await sink.ensureTables(windows.map((w) => w.table));
  await sink.write('w_by_region', [
    row('eu', 1, 0),
    row('eu', 1, 60_000),
    row('us', 2, 0),
    row('us', 2, 60_000),
    { ...row('us', 2, 120_000), retracted: true },
    row("it's", 3, 0),
  ]);
  await sink.write('w_by_region', [row('eu', 1, 60_000, 2)]);
  app = await buildApp(fakeContext({ sink, windows }), { rateLimit: { enabled: false } }, { env: {} });
});

afterAll(async () => {
  await app.close();
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (query: string) => app.inject(`/v1/windows/by_region?${query}`);

describe('GET /v1/windows/:name on a real DuckDB sink', () => {
  it('answers the latest version of each row, newest first, without retracted rows', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    const rows = res.json().rows;
    expect(rows.map((r: { region: string; start: number }) => `${r.region}@${r.start}`)).toEqual([
      'eu@60000',
      'us@60000',
      'eu@0',
      "it's@0",
      'us@0',
    ]);
    expect(rows[0]).toMatchObject({ version: 2, count: 20 });
  });

  it('filters by group fields (typed) and time, bounded by limit', async () => {
    expect((await get('region=eu')).json().rows).toHaveLength(2);
    expect((await get('shard=2')).json().rows).toHaveLength(2);
    expect((await get("region=it's")).json().rows).toHaveLength(1);
    expect((await get('from=60000&to=120000')).json().rows).toHaveLength(2);
    // the same bounds as ISO-8601 text (a zone-less time is UTC, as in event times)
    expect((await get('from=1970-01-01T00:01:00Z&to=1970-01-01T00:02')).json().rows).toHaveLength(2);
    expect((await get('limit=1')).json().rows).toHaveLength(1);
    expect((await get('region=eu&shard=2')).json().rows).toHaveLength(0);
  });

  it.each([
    ['from=0;DROP TABLE w_by_region', 'SQL after an integer'],
    ['from=1 OR 1=1', 'an expression for a time'],
    ['to=0x10', 'hex'],
    ['from=99999999999999999999', 'an integer beyond 2^53'],
    ['limit=-1', 'a negative limit'],
    ['limit=100001', 'a limit over the maximum'],
    ['limit=1e3', 'a non-integer limit'],
    ['shard=1 OR 1=1', 'an expression for an integer field'],
    ['shard=1.5', 'a fraction for an integer field'],
    ['shard=', 'an empty integer'],
    ['region=a&region=b', 'a repeated field'],
    ['%22region%22%3D1=1', 'a quoted identifier as a field name'],
    ['region%3B--=1', 'SQL in a field name'],
    ['amount=1', 'a field that is not a group-by field'],
    ['pipeline=test', 'a key column that is not a group-by field'],
    ['version=1', 'the version column'],
    ['__proto__=x', 'a prototype key'],
    [`region=${'x'.repeat(2000)}`, 'an over-long value'],
    ['from=200&to=100', 'from after to'],
    ['from=2026-02-30', 'an impossible date'],
    ['from=Thu, 01 Jan 2026 00:00:00 GMT', 'text that is not ISO-8601'],
  ])('refuses %s (%s) with 400', async (query) => {
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('SL_ERR_VALIDATION');
  });

  it('treats hostile strings as plain values: no rows, no error, the table intact', async () => {
    for (const s of HOSTILE_STRINGS) {
      const res = await get(`region=${encodeURIComponent(s)}`);
      expect(res.statusCode, JSON.stringify(s)).toBe(200);
      expect(res.json().rows, JSON.stringify(s)).toEqual([]);
    }
    expect((await get('')).json().rows).toHaveLength(5);
  });

  it('types bool and float group fields', async () => {
    const res = await app.inject('/v1/windows/by_flag?flag=true&amount=1.5e2');
    expect(res.statusCode).toBe(200);
    for (const q of ['flag=1', 'flag=TRUE', 'amount=NaN', 'amount=Infinity', 'amount=1e999', 'amount= 1']) {
      expect((await app.inject(`/v1/windows/by_flag?${q}`)).statusCode, q).toBe(400);
    }
  });

  it('answers 404 for an unknown window, including injection attempts in the name', async () => {
    for (const name of ['nope', 'by_region;DROP TABLE w_by_region', "by_region'--", 'w_by_region']) {
      const res = await app.inject(`/v1/windows/${encodeURIComponent(name)}`);
      expect(res.statusCode, name).toBe(404);
    }
  });
});
