import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import type { RawRecord, RecordBatch } from '../../src/core/event.js';
import { MemoryDeadLetterOutput } from '../../src/ingest/dead-letter.js';
import type { PartitionListener, Source } from '../../src/ingest/source.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { Pipeline } from '../../src/runtime/pipeline.js';
import { WatermarkStallWatch } from '../../src/runtime/watermark-stall.js';
import { JsonlSink } from '../../src/sinks/jsonl-sink.js';
import { MemoryCheckpointStore } from '../../src/state/memory-store.js';

const TOPIC = 'orders';

/**
 * A consumer-group stand-in (our own logic under test, not Kafka's): assigns `partitions`, then
 * hands out `batches` of partition 0 only, one a second of the fake clock.
 */
class OnePartitionTalks implements Source {
  readonly kind = 'fake-kafka';
  private sent = 0;
  constructor(
    private readonly partitions: number,
    private readonly batches: RawRecord[][],
    private readonly tick: () => void,
  ) {}
  async start(_positions = {}, listener?: PartitionListener): Promise<void> {
    await listener?.onAssigned?.(
      Array.from({ length: this.partitions }, (_, partition) => ({ topic: TOPIC, partition })),
    );
  }
  async next(): Promise<RecordBatch | null> {
    const records = this.batches[this.sent++];
    if (records === undefined) return null;
    this.tick();
    return { topic: TOPIC, partition: 0, records };
  }
  async commit(): Promise<void> {}
  pause(): void {}
  resume(): void {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** 120 batches, one event each, an event-time second apart. */
function batches(): RawRecord[][] {
  return Array.from({ length: 120 }, (_, i) => [
    {
      offset: String(i),
      key: null,
      value: Buffer.from(JSON.stringify({ ts: i * 1000, region: 'eu' })),
      ts: 0,
    },
  ]);
}

interface Run {
  idleTimeout?: string | number;
  partitions?: number;
  input?: RawRecord[][];
  /** The warnings returned are those whose message contains this. */
  about?: string;
  scope?: 'global' | 'partitioned';
}

/** Runs the fake source through a pipeline; the warnings logged about `about`. */
async function run({
  idleTimeout = 0,
  partitions = 2,
  input = batches(),
  about = 'holds the watermark back',
  scope = 'global',
}: Run = {}): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sl-silent-'));
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  let clock = 0;
  const config = parseConfig(
    {
      pipeline: 'silent',
      source: { type: 'kafka', topic: TOPIC },
      schema: { timeField: 'ts', fields: { region: 'string' } },
      watermark: { maxOutOfOrderness: '1s', idleTimeout },
      windows: [
        { name: 'w', type: 'tumbling', size: '10s', groupBy: ['region'], aggregates: [{ fn: 'count' }] },
      ],
      sink: { type: 'jsonl', dir },
      checkpoint: { store: 'memory', interval: '1h' },
    },
    {},
  );
  const sink = new JsonlSink({ dir });
  const pipeline = new Pipeline({
    config,
    source: new OnePartitionTalks(partitions, input, () => (clock += 1000)),
    sink,
    deadLetter: new MemoryDeadLetterOutput(),
    store: new MemoryCheckpointStore(),
    metrics: new Metrics(false),
    logger,
    now: () => clock,
    silentPartitionWarnMs: 30_000,
    scope,
  });
  await pipeline.run();
  await sink.close();
  return lines.filter((l) => typeof l.msg === 'string' && l.msg.includes(about));
}

describe('a silent partition holding the watermark back', () => {
  it('is named in one warning, with the setting that lets it go', async () => {
    const warnings = await run();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ partition: `${TOPIC}:1`, silentSeconds: 30, lastEventTime: null });
    expect(warnings[0]!.msg).toContain('no event at all');
    expect(warnings[0]!.msg).toContain('watermark.idleTimeout');
  });

  it('is not reported when idle detection is on, when every partition talks, or per partition', async () => {
    expect(await run({ idleTimeout: '20s' })).toEqual([]);
    expect(await run({ partitions: 1 })).toEqual([]);
    // partitioned scope: each partition's windows move with that partition alone
    expect(await run({ scope: 'partitioned' })).toEqual([]);
  });
});

describe('an event far ahead of its Kafka record timestamp', () => {
  it('is reported once per partition when schema.maxTimeAhead is unset', async () => {
    const produced = Date.UTC(2026, 0, 1);
    const input = [0, 1, 2, 3].map((i): RawRecord[] => [
      {
        offset: String(i),
        key: null,
        // offsets 1 and 3 come from a clock two days ahead
        value: Buffer.from(JSON.stringify({ ts: produced + (i % 2) * 48 * 3_600_000 + i, region: 'eu' })),
        ts: produced + i,
      },
    ]);
    const warnings = await run({ partitions: 1, input, about: 'ahead of the record' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ partition: `${TOPIC}:0`, offset: '1', recordTime: produced + 1 });
    expect(warnings[0]!.msg).toContain('48 h ahead');
    expect(warnings[0]!.msg).toContain('schema.maxTimeAhead');
  });
});

describe('an event time that looks like epoch seconds read as epoch ms', () => {
  const at = (ts: (i: number) => number) =>
    [0, 1, 2].map((i): RawRecord[] => [
      {
        offset: String(i),
        key: null,
        value: Buffer.from(JSON.stringify({ ts: ts(i), region: 'eu' })),
        ts: 0,
      },
    ]);

  it('is reported once, naming the setting', async () => {
    const seconds = Date.UTC(2026, 0, 1) / 1000;
    const warnings = await run({ partitions: 1, input: at((i) => seconds + i), about: 'epoch seconds' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ offset: '0', eventTime: seconds });
    expect(warnings[0]!.msg).toContain('1970-01-21T');
    expect(warnings[0]!.msg).toContain('schema.timeFormat: epoch_s');
  });

  it('is not reported for times in epoch ms', async () => {
    expect(
      await run({ partitions: 1, input: at((i) => Date.UTC(2026, 0, 1) + i), about: 'epoch seconds' }),
    ).toEqual([]);
  });
});

describe('WatermarkStallWatch', () => {
  it('reports a partition once per silence, only while another one sends', () => {
    let now = 0;
    const watch = new WatermarkStallWatch(10_000, () => now);
    watch.assigned(['t:0', 't:1']);
    now = 5_000;
    watch.delivered('t:0');
    expect(watch.silent()).toEqual([]);
    now = 12_000;
    expect(watch.silent()).toEqual([{ partition: 't:1', silentMs: 12_000 }]);
    watch.reported('t:1');
    expect(watch.silent()).toEqual([]);
    // the whole stream pauses: nothing is held back that a watermark could pass
    now = 40_000;
    expect(watch.silent()).toEqual([]);
    // t:1 speaks and falls silent again, while t:0 goes on: a new silence, a new report
    watch.delivered('t:1');
    now = 55_000;
    watch.delivered('t:0');
    expect(watch.silent()).toEqual([{ partition: 't:1', silentMs: 15_000 }]);
    // a revoked partition is forgotten
    watch.assigned(['t:0']);
    expect(watch.silent()).toEqual([]);
  });
});
