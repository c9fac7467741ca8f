import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { FileDeadLetterOutput, type DeadLetter } from '../../src/ingest/dead-letter.js';
import { FileSource } from '../../src/ingest/file-source.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import { JsonlSink } from '../../src/sinks/jsonl-sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

const work = mkdtempSync(join(tmpdir(), 'sl-dlq-bound-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The file output, watching how much it buffers and how often it is flushed. */
class WatchedDeadLetters extends FileDeadLetterOutput {
  maxPending = 0;
  flushes = 0;
  override add(letter: DeadLetter): void {
    super.add(letter);
    this.maxPending = Math.max(this.maxPending, this.pendingBytes);
  }
  override async flush(): Promise<void> {
    if (this.pendingBytes > 0) this.flushes++;
    await super.flush();
  }
}

describe('a flood of bad input between checkpoints', () => {
  it('is flushed to the dead-letter output as it comes, with bounded memory, each record once', async () => {
    // 40k bad records of ~1 KB (≈ 55 MB of dead letters with base64), a few good ones between
    const bad = `{"ts": "not a time", "pad": "${'x'.repeat(1000)}"}`;
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(i % 1000 === 0 ? `{"ts": ${1000 + i}, "v": 1}` : bad);
    const input = join(work, 'input.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const config = parseConfig(
      {
        pipeline: 'flood',
        source: { type: 'file', path: input, batchSize: 1000 },
        schema: { fields: { v: 'number' } },
        windows: [{ name: 'w', type: 'tumbling', size: 1000, aggregates: [{ fn: 'count' }] }],
        checkpoint: { store: 'memory', interval: '1h' }, // one checkpoint, at the end
      },
      {},
    );
    const deadLetter = new WatchedDeadLetters(join(work, 'dead-letter.jsonl'));
    const pipeline = new Pipeline({
      config,
      source: new FileSource({ type: 'file', path: input, batchSize: 1000 }),
      sink: new JsonlSink({ dir: join(work, 'out') }),
      deadLetter,
      store: new MemoryCheckpointStore(),
      metrics: new Metrics(false),
      logger: createLogger('test'),
    });
    const stats = await pipeline.run();
    await deadLetter.close();

    expect(stats.rejected).toBe(40_000 - 40);
    expect(deadLetter.flushes).toBeGreaterThan(5); // not only at the checkpoint
    // the bound (8 MiB) plus at most one batch of letters (1000 × ~1.4 KB)
    expect(deadLetter.maxPending).toBeLessThan((8 << 20) + 2_000_000);
    const written = readFileSync(join(work, 'dead-letter.jsonl'), 'utf8').trim().split('\n');
    const offsets = written.map((l) => Number((JSON.parse(l) as { offset: string }).offset));
    expect(offsets).toEqual(lines.flatMap((l, i) => (l === bad ? [i] : [])));
  });
});
