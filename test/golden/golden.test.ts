import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type PipelineConfig } from '../../src/core/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { FileDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import { FileSource } from '../../src/ingest/file-source.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import { runReplay, writeFinalTables } from '../../src/runtime/replay.js';
import { JsonlSink } from '../../src/sinks/jsonl-sink.js';
import { FileCheckpointStore } from '../../src/state/file-store.js';

/**
 * Golden replay cases: `<case>.input.jsonl` through `<case>.config.yaml` must give exactly
 * `<case>.expected.jsonl` (latest row per key, all windows, sorted) and the dead letters of
 * `<case>.dead-letter.expected.jsonl` — straight through, and again when the process "crashes"
 * at every possible batch and restarts from its last checkpoint.
 */
const DIR = new URL('.', import.meta.url).pathname;
const CASES = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.jsonl'))
  .map((f) => f.replace('.input.jsonl', ''));

function caseConfig(name: string): PipelineConfig {
  return loadConfig(join(DIR, `${name}.config.yaml`), {});
}

function readOutput(outDir: string, config: PipelineConfig): string {
  return [...config.windows.map((w) => w.name)]
    .sort()
    .map((w) => readFileSync(join(outDir, `${w}.jsonl`), 'utf8'))
    .join('');
}

function deadLetters(path: string): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const { reason, offset, extra } = JSON.parse(line) as Record<string, unknown>;
    seen.add(JSON.stringify(extra === undefined ? { reason, offset } : { reason, offset, extra })); // at-least-once: dedupe
  }
  return [...seen].sort();
}

function expectedDeadLetters(name: string): string[] {
  return readFileSync(join(DIR, `${name}.dead-letter.expected.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.stringify(JSON.parse(l)))
    .sort();
}

/** Runs the case once, crashing after `crashAfterBatch` batches (if given) with a checkpoint every `every` batches. */
async function runOnce(config: PipelineConfig, input: string, work: string, crashAfterBatch: number | null, every: number): Promise<Pipeline> {
  let clock = 0;
  let batches = 0;
  const cfg: PipelineConfig = { ...config, checkpoint: { ...config.checkpoint, store: 'file', path: join(work, 'ckpt'), interval: every } };
  const source = new FileSource({ type: 'file', path: input, batchSize: config.source.type === 'file' ? config.source.batchSize : 5000, partitionField: config.source.type === 'file' ? config.source.partitionField : undefined });
  const sink = new JsonlSink({ dir: join(work, 'raw') });
  const deadLetter = new FileDeadLetterOutput(join(work, 'dead-letter.jsonl'));
  const pipeline: Pipeline = new Pipeline({
    config: cfg,
    source,
    sink,
    deadLetter,
    store: new FileCheckpointStore({ dir: join(work, 'ckpt') }),
    metrics: new Metrics(false),
    logger: createLogger('golden'),
    now: () => clock, // one tick per batch: a checkpoint every `every` batches
    onBatch: () => {
      clock++;
      batches++;
      if (crashAfterBatch !== null && batches === crashAfterBatch) pipeline.crash();
    },
  });
  await pipeline.run();
  await sink.close();
  await deadLetter.close();
  return pipeline;
}

describe.each(CASES)('golden case %s', (name) => {
  const config = caseConfig(name);
  const input = join(DIR, `${name}.input.jsonl`);
  const expected = readFileSync(join(DIR, `${name}.expected.jsonl`), 'utf8');
  const lines = readFileSync(input, 'utf8').split('\n').filter(Boolean).length;

  it('gives the expected rows and dead letters straight through', async () => {
    const out = mkdtempSync(join(tmpdir(), `golden-${name}-`));
    await runReplay(config, input, out);
    expect(readOutput(out, config)).toBe(expected);
    expect(deadLetters(join(out, 'dead-letter.jsonl'))).toEqual(expectedDeadLetters(name));
  });

  it('gives the same rows when killed after any batch and restored from its checkpoint', async () => {
    for (const every of [1, 2]) {
      for (let crashAt = 1; crashAt <= lines; crashAt++) {
        const work = mkdtempSync(join(tmpdir(), `golden-${name}-crash-`));
        await runOnce(config, input, work, crashAt, every);
        const finished = await runOnce(config, input, work, null, every);
        const out = join(work, 'out');
        await writeFinalTables(finished.tables, join(work, 'raw'), out);
        expect(readOutput(out, config), `crash after batch ${crashAt}, checkpoint every ${every}`).toBe(expected);
        expect(deadLetters(join(work, 'dead-letter.jsonl'))).toEqual(expectedDeadLetters(name));
      }
    }
  });
});
