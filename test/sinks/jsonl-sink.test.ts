import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonlSink, readDeduplicated } from '../../src/sinks/jsonl-sink.js';
import { describeSinkContract, expectedLatest, threeVersions, WINDOW_TABLE } from './sink-contract.js';

const dir = await mkdtemp(join(tmpdir(), 'sl-jsonl-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describeSinkContract('jsonl', async () => new JsonlSink({ dir: join(dir, 'contract') }), { tables: false });

describe('JsonlSink', () => {
  it('appends lines in column order and readDeduplicated keeps the latest version', async () => {
    const out = join(dir, 'replay');
    const sink = new JsonlSink({ dir: out });
    await sink.ensureTables([WINDOW_TABLE]);
    // Keys given in another order are still written in the spec's column order.
    const [first] = threeVersions();
    await sink.write(
      'win_1m',
      first!.map((r) => Object.fromEntries(Object.entries(r).reverse())),
    );
    for (const batch of threeVersions().slice(1)) await sink.write('win_1m', batch);
    await sink.close();
    const lines = (await readFile(join(out, 'win_1m.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(threeVersions().flat().length);
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual(WINDOW_TABLE.columns.map((c) => c.name));
    expect(await readDeduplicated(out, 'win_1m', WINDOW_TABLE)).toEqual(expectedLatest());
    expect(await readDeduplicated(out, 'missing', { ...WINDOW_TABLE, name: 'missing' })).toEqual([]);
  });

  it('ignores and then cuts a torn last line left by a crash', async () => {
    const out = join(dir, 'torn');
    const sink = new JsonlSink({ dir: out });
    await sink.ensureTables([WINDOW_TABLE]);
    const [first] = threeVersions();
    await sink.write('win_1m', first!);
    await sink.close();
    await appendFile(join(out, 'win_1m.jsonl'), '{"pipeline":"p1","grp":"torn');
    expect(await readDeduplicated(out, 'win_1m', WINDOW_TABLE)).toHaveLength(first!.length);
    const again = new JsonlSink({ dir: out });
    await again.ensureTables([WINDOW_TABLE]);
    await again.write('win_1m', threeVersions()[1]!);
    await again.close();
    const text = await readFile(join(out, 'win_1m.jsonl'), 'utf8');
    expect(text).not.toContain('torn');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
