import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckdbSink } from '../../src/sinks/duckdb-sink.js';
import { describeSinkContract, WINDOW_TABLE } from './sink-contract.js';

const dir = await mkdtemp(join(tmpdir(), 'sl-duckdb-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describeSinkContract('duckdb', async () => new DuckdbSink({ path: join(dir, 'nested', 'contract.duckdb') }));

describe('DuckdbSink', () => {
  it('serialises concurrent writes and keeps the highest version', async () => {
    const sink = new DuckdbSink({ path: join(dir, 'concurrent.duckdb') });
    try {
      await sink.ensureTables([WINDOW_TABLE]);
      const base = { pipeline: 'p', window_start: 0, mean: 1, late: false, top: null, note: null };
      await Promise.all(
        [5, 1, 4, 2, 3].map((version) => sink.write('win_1m', [{ ...base, grp: 'g', n: version, version }])),
      );
      expect(await sink.queryAll('win_1m')).toEqual([{ ...base, grp: 'g', n: 5, version: 5 }]);
      // Equal versions: the later write wins, as in ReplacingMergeTree.
      await sink.write('win_1m', [{ ...base, grp: 'g', n: 55, version: 5 }]);
      expect((await sink.query('win_1m'))[0]?.n).toBe(55);
    } finally {
      await sink.close();
    }
  });

  it('shares one instance between sinks on the same file of a process', async () => {
    const path = join(dir, 'shared.duckdb');
    const writer = new DuckdbSink({ path });
    const reader = new DuckdbSink({ path: join(dir, '.', 'shared.duckdb') });
    try {
      await writer.ensureTables([WINDOW_TABLE]);
      await reader.ensureTables([WINDOW_TABLE]);
      const r = {
        pipeline: 'p',
        grp: 'g',
        window_start: 0,
        n: 1,
        mean: null,
        late: false,
        top: null,
        note: null,
        version: 1,
      };
      await writer.write('win_1m', [r]);
      expect(await reader.query('win_1m')).toEqual([r]);
      await writer.close();
      expect(await reader.query('win_1m')).toEqual([r]); // closing one sink keeps the instance open
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('reports a file locked by another process as a retriable SL_ERR_SINK', async () => {
    const path = join(dir, 'locked.duckdb');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         await DuckDBInstance.create(${JSON.stringify(path)});
         process.stdout.write('ready');
         process.stdin.resume();
         process.stdin.on('end', () => process.exit(0));`,
      ],
      { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await once(holder.stdout, 'data');
      const sink = new DuckdbSink({ path });
      await expect(sink.ensureTables([WINDOW_TABLE])).rejects.toMatchObject({
        code: 'SL_ERR_SINK',
        retriable: true,
      });
      holder.stdin.end();
      await once(holder, 'exit');
      await sink.ensureTables([WINDOW_TABLE]); // the failed open was not cached
      await sink.close();
      await expect(sink.ping()).rejects.toMatchObject({ code: 'SL_ERR_SINK', retriable: false });
    } finally {
      holder.kill();
    }
  });
});
