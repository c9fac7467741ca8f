import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSourceSchema } from '../../src/core/config/index.js';
import { FileSource } from '../../src/ingest/file-source.js';

async function readAll(path: string, positions?: Record<string, string>): Promise<[string, string][]> {
  const source = new FileSource(fileSourceSchema.parse({ type: 'file', path, batchSize: 7 }));
  await source.start(positions);
  const out: [string, string][] = [];
  for (let b = await source.next(); b !== null; b = await source.next())
    for (const r of b.records) out.push([r.offset, Buffer.from(r.value!).toString('latin1')]);
  await source.close();
  return out;
}

describe('FileSource', () => {
  it('cuts lines exactly across read chunks (long lines, CRLF, empty lines, no final newline)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-file-source-'));
    // line lengths around and far beyond the 64 KiB read size, so lines start, end and span
    // chunk boundaries in every way
    const lengths = [0, 1, 65_535, 65_536, 65_537, 10, 200_000, 3, 131_071, 0, 5, 70_000];
    const lines = lengths.map((n, i) => String.fromCharCode(97 + (i % 26)).repeat(n));
    const text = lines.map((l, i) => (i % 3 === 1 ? `${l}\r` : l)).join('\n'); // no final newline
    const path = join(dir, 'lines.jsonl');
    writeFileSync(path, text, 'latin1');
    const expected = lines.map((l, i): [string, string] => [String(i), l]);
    expect(await readAll(path)).toEqual(expected);
    writeFileSync(path, `${text}\n`, 'latin1');
    expect(await readAll(path)).toEqual(expected);
    // resuming from a position skips the lines before it
    expect(await readAll(path, { 'lines.jsonl:0': '7' })).toEqual(expected.slice(7));
  });

  it('drops a byte-order mark at the start of the file, and only there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-file-source-'));
    const path = join(dir, 'bom.jsonl');
    const bom = '\xef\xbb\xbf';
    writeFileSync(path, `${bom}{"a":1}\r\n${bom}{"a":2}\n{"a":3}`, 'latin1');
    // line 1's BOM is inside a record: the decoder rejects it there (a dead letter, not lost)
    const expected: [string, string][] = [
      ['0', '{"a":1}'],
      ['1', `${bom}{"a":2}`],
      ['2', '{"a":3}'],
    ];
    expect(await readAll(path)).toEqual(expected);
    expect(await readAll(path, { 'bom.jsonl:0': '1' })).toEqual(expected.slice(1));
    writeFileSync(path, bom, 'latin1'); // nothing but the mark: no record at all
    expect(await readAll(path)).toEqual([]);
  });

  it('holds no more than a batch and a read chunk of lines, however long the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-file-source-'));
    const path = join(dir, 'many.jsonl');
    const n = 50_000;
    writeFileSync(path, Array.from({ length: n }, (_, i) => `{"i":${i}}`).join('\n'));
    const batchSize = 1_000;
    const source = new FileSource(fileSourceSchema.parse({ type: 'file', path, batchSize }));
    await source.start();
    let seen = 0;
    let most = 0;
    for (let b = await source.next(); b !== null; b = await source.next()) {
      seen += b.records.length;
      most = Math.max(most, source.bufferedLines);
    }
    await source.close();
    expect(seen).toBe(n);
    // a 64 KiB chunk holds at most ~6.5k of these 10-byte lines
    expect(most).toBeLessThan(batchSize + 7_000);
  });
});
