import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eventSchemaSchema, fileSourceSchema } from '../../src/core/config/index.js';
import type { RawRecord } from '../../src/core/event.js';
import { createDecoder } from '../../src/ingest/decoder.js';
import { FileSource, type FileSourceOptions } from '../../src/ingest/file-source.js';

async function readRecords(
  path: string,
  positions?: Record<string, string>,
  options?: FileSourceOptions,
): Promise<RawRecord[]> {
  const source = new FileSource(fileSourceSchema.parse({ type: 'file', path, batchSize: 7 }), options);
  await source.start(positions);
  const out: RawRecord[] = [];
  for (let b = await source.next(); b !== null; b = await source.next()) out.push(...b.records);
  await source.close();
  return out;
}

async function readAll(path: string, positions?: Record<string, string>): Promise<[string, string][]> {
  return (await readRecords(path, positions)).map((r) => [
    r.offset,
    Buffer.from(r.value!).toString('latin1'),
  ]);
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
    // the same file gzip-compressed (a recorded stream is often kept so)
    const gz = join(dir, 'lines.jsonl.gz');
    writeFileSync(gz, gzipSync(Buffer.from(text, 'latin1')));
    expect(await readAll(gz)).toEqual(expected);
    expect(await readAll(gz, { 'lines.jsonl.gz:0': '7' })).toEqual(expected.slice(7));
  });

  it('keeps only the start of a line longer than maxLineBytes, with its length, so the decoder rejects it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-file-source-'));
    const max = 100_000;
    // a long line spanning many read chunks, one just over the limit, one at it, and a file
    // that ends in a line of several MB without a line break (a JSON array by mistake, say)
    const lengths = [10, 200_000, max + 1, max, 5, 3_000_000];
    const lines = lengths.map((n, i) => String.fromCharCode(97 + i).repeat(n));
    const path = join(dir, 'long.jsonl');
    writeFileSync(path, lines.join('\n'), 'latin1');
    for (const file of [path, `${path}.gz`]) {
      if (file !== path) writeFileSync(file, gzipSync(Buffer.from(lines.join('\n'), 'latin1')));
      const records = await readRecords(file, undefined, { maxLineBytes: max });
      expect(records.map((r) => [r.value!.length, r.size])).toEqual([
        [10, undefined],
        [max + 1, 200_000],
        [max + 1, undefined], // within one chunk's reach it is whole, and too large by itself
        [max, undefined],
        [5, undefined],
        [max + 1, 3_000_000],
      ]);
      expect(Buffer.from(records[1]!.value!).toString('latin1')).toBe('b'.repeat(max + 1));
      const decode = createDecoder(eventSchemaSchema.parse({ maxRecordBytes: max }));
      const outcome = decode(records[5]!);
      expect(!outcome.ok && outcome.rejection).toMatchObject({
        reason: 'oversized',
        detail: `record is 3000000 bytes, limit ${max}`,
      });
    }
  });

  it('fails with a clear error on a file it cannot read or unzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-file-source-'));
    await expect(readAll(join(dir, 'missing.jsonl'))).rejects.toThrow(/cannot read .*missing\.jsonl/);
    const bad = join(dir, 'bad.jsonl.gz');
    writeFileSync(bad, '{"not":"gzip"}\n');
    await expect(readAll(bad)).rejects.toThrow(/cannot read .*bad\.jsonl\.gz: incorrect header check/);
    const truncated = join(dir, 'truncated.jsonl.gz');
    const whole = gzipSync(
      Buffer.from(Array.from({ length: 10_000 }, (_, i) => `{"a":${i * 7919}}`).join('\n')),
    );
    writeFileSync(truncated, whole.subarray(0, whole.length >> 1));
    await expect(readAll(truncated)).rejects.toThrow(
      /cannot read .*truncated\.jsonl\.gz: unexpected end of file/,
    );
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
