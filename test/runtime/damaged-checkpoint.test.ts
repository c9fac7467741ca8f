import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import { StreamlearnError } from '../../src/core/errors.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import { FileSource } from '../../src/ingest/file-source.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import { JsonlSink } from '../../src/sinks/jsonl-sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

/** Runs a small file pipeline on a store whose checkpoint holds `stored`; what run() rejects with. */
async function runOn(stored: string): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-damaged-'));
  const path = join(dir, 'in.jsonl');
  writeFileSync(path, '{"ts":0,"region":"eu"}\n');
  const config = parseConfig(
    {
      pipeline: 'damaged',
      source: { type: 'file', path },
      schema: { fields: { region: 'string' } },
      windows: [
        { name: 'w', type: 'tumbling', size: '10s', groupBy: ['region'], aggregates: [{ fn: 'count' }] },
      ],
      sink: { type: 'jsonl', dir },
      checkpoint: { store: 'memory', interval: '1h' },
    },
    {},
  );
  const store = new MemoryCheckpointStore();
  const lease = (await store.acquire('damaged.windows', 'earlier run', 60_000))!;
  await store.save('damaged.windows', lease, new TextEncoder().encode(stored));
  await store.release(lease);
  const sink = new JsonlSink({ dir });
  const pipeline = new Pipeline({
    config,
    source: new FileSource(config.source as never),
    sink,
    deadLetter: new MemoryDeadLetterOutput(),
    store,
    metrics: new Metrics(false),
    logger: pino({ level: 'silent' }),
  });
  // a retried failure would never settle: the test's own timeout would report it
  const outcome = await pipeline.run().then(
    () => null,
    (err: unknown) => err,
  );
  await sink.close();
  return outcome;
}

describe('a damaged window checkpoint', () => {
  it.each([
    ['bytes that are not JSON', 'garbage', 'not valid JSON'],
    ['JSON of another format', '{"format":2}', 'unknown checkpoint format 2'],
    ['JSON that is not an object', 'null', 'unknown checkpoint format undefined'],
  ])('(%s) stops the start with an error naming it, instead of retrying forever', async (_, stored, why) => {
    const err = (await runOn(stored)) as StreamlearnError;
    expect(err).toBeInstanceOf(StreamlearnError);
    expect(err.code).toBe('SL_ERR_CHECKPOINT');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain('checkpoint damaged.windows version 1 is damaged');
    expect(err.message).toContain(why);
  });
});
