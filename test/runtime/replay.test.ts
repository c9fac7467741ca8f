import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import { EventGenerator, GENERATOR_SCHEMA } from '../../src/ingest/generator.js';
import { runReplay } from '../../src/runtime/replay.js';

function generatedFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sl-replay-'));
  const gen = new EventGenerator({
    type: 'generator',
    seed: 3,
    events: 20_000,
    rate: 0,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 50,
    disorderMs: 3000,
    keys: 200,
    partitions: 1,
    drift: { atEvent: 10_000, widthEvents: 0, shift: 2 },
  });
  const lines: string[] = [];
  while (!gen.done) lines.push(JSON.stringify(gen.next()));
  lines.splice(500, 0, '{"ts": broken', '');
  const path = join(dir, 'input.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const config = parseConfig(
  {
    source: { type: 'generator' },
    schema: GENERATOR_SCHEMA,
    watermark: { maxOutOfOrderness: '2s' },
    windows: [
      {
        name: 'r1m',
        type: 'tumbling',
        size: '1m',
        allowedLateness: '1s',
        groupBy: ['region'],
        aggregates: [
          { fn: 'count' },
          { fn: 'sum', field: 'amount' },
          { fn: 'quantile', field: 'latency_ms', q: 0.95 },
          { fn: 'distinct', field: 'user' },
          { fn: 'topk', field: 'device', k: 2 },
        ],
      },
      {
        name: 'd5m',
        type: 'hopping',
        size: '5m',
        slide: '1m',
        groupBy: ['device'],
        aggregates: [
          { fn: 'count' },
          { fn: 'stddev', field: 'x1' },
          { fn: 'first', field: 'user' },
          { fn: 'last', field: 'amount' },
        ],
      },
      { name: 's', type: 'session', gap: '2s', groupBy: ['user'], aggregates: [{ fn: 'count' }] },
    ],
  },
  {},
);

describe('replay', () => {
  it('gives byte-identical output for the same file and config', async () => {
    const input = generatedFile();
    const a = mkdtempSync(join(tmpdir(), 'sl-replay-a-'));
    const b = mkdtempSync(join(tmpdir(), 'sl-replay-b-'));
    const first = await runReplay(config, input, a);
    const second = await runReplay(config, input, b);
    await runReplay(config, input, b); // again into the same folder: no leftovers from the last run
    expect(second).toEqual(first);
    expect(first.rejected).toBe(2);
    for (const w of ['r1m', 'd5m', 's']) {
      const bytes = readFileSync(join(a, `${w}.jsonl`));
      expect(bytes.length).toBeGreaterThan(100);
      expect(readFileSync(join(b, `${w}.jsonl`)).equals(bytes)).toBe(true);
    }
    expect(readdirSync(a).sort()).toEqual(['.raw', 'd5m.jsonl', 'dead-letter.jsonl', 'r1m.jsonl', 's.jsonl']);
  });
});
