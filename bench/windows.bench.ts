/**
 * Windows hot path: a generated JSONL file replayed through a tumbling 1m and a hopping 5m/1m
 * window (group by `user`; count, sum, mean, p95, distinct) in-process, next to a parse-only pass
 * over the same file; then peak RSS with 1M distinct keys open at once (in a child process, so
 * the figure is that workload's alone).
 *
 *   npx tsx bench/windows.bench.ts            (≈ 1 minute)
 *   BENCH_EVENTS=200000 npx tsx bench/windows.bench.ts   (a quick look)
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fileSourceSchema,
  generatorSourceSchema,
  type PipelineConfigInput,
} from '../src/core/config/index.js';
import { FileSource } from '../src/ingest/file-source.js';
import { EventGenerator, GENERATOR_SCHEMA } from '../src/ingest/generator.js';
import { eventsFile } from './lib/data.js';
import { peakRssMiB, sampleRss } from './lib/memory.js';
import { CountingSink, runPipeline } from './lib/pipeline.js';
import { compared, DATA_DIR, single, writeResults, type Figure } from './lib/results.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const KEYS = 10_000;
const SEED = 42;
/** Mean event-time gap: 1 ms, so 1M events span ≈ 17 minutes of event time. */
const INTERVAL_MS = 1;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OPEN_KEYS = Number(process.env.BENCH_OPEN_KEYS ?? 1_000_000);

const AGGREGATES = [
  { fn: 'count' },
  { fn: 'sum', field: 'amount' },
  { fn: 'mean', field: 'amount' },
  { fn: 'quantile', field: 'latency_ms', q: 0.95 },
  { fn: 'distinct', field: 'device' },
];

function config(path: string): PipelineConfigInput {
  return {
    pipeline: 'bench',
    source: { type: 'file', path, batchSize: 5_000 },
    schema: GENERATOR_SCHEMA,
    windows: [
      { name: 'tumbling_1m', type: 'tumbling', size: '1m', groupBy: ['user'], aggregates: AGGREGATES },
      {
        name: 'hopping_5m',
        type: 'hopping',
        size: '5m',
        slide: '1m',
        groupBy: ['user'],
        aggregates: AGGREGATES,
      },
    ],
  };
}

/** The same reader as the pipeline (FileSource), then UTF-8 decode + JSON.parse of every line. */
async function parseOnly(path: string): Promise<{ seconds: number; n: number }> {
  const source = new FileSource(fileSourceSchema.parse({ type: 'file', path, batchSize: 5_000 }));
  const t0 = process.hrtime.bigint();
  await source.start();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let n = 0;
  let check = 0;
  for (let batch = await source.next(); batch !== null; batch = await source.next()) {
    for (const r of batch.records) {
      const obj = JSON.parse(utf8.decode(r.value!)) as { ts: number };
      check += obj.ts & 1;
      n++;
    }
  }
  await source.close();
  if (check < 0) console.log(check); // keeps the parse observable
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, n };
}

async function windowsRun(
  path: string,
): Promise<{ seconds: number; n: number; rows: number; rejected: number }> {
  const cfg = config(path);
  const sink = new CountingSink();
  const source = new FileSource(fileSourceSchema.parse(cfg.source));
  const run = await runPipeline(cfg, source, sink);
  return { seconds: run.seconds, n: run.stats.accepted, rows: sink.rows, rejected: run.stats.rejected };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.argv.includes('--open-keys-child')) return openKeysChild();
  const path = await eventsFile({ events: EVENTS, keys: KEYS, seed: SEED, intervalMs: INTERVAL_MS });
  console.log(`data: ${path}`);
  // warm-up (JIT, page cache), not measured
  await parseOnly(path);
  await windowsRun(path);
  const parseRates: number[] = [];
  const windowRates: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const p = await parseOnly(path);
    parseRates.push(p.n / p.seconds);
    const w = await windowsRun(path);
    if (w.n !== EVENTS || w.rejected !== 0)
      throw new Error(`expected ${EVENTS} accepted, got ${w.n} (${w.rejected} rejected)`);
    windowRates.push(w.n / w.seconds);
    rows = w.rows;
    console.log(
      `run ${i + 1}: parse-only ${(p.n / p.seconds / 1e6).toFixed(2)}M/s, windows ${(w.n / w.seconds / 1e6).toFixed(2)}M/s, ${w.rows} rows`,
    );
  }
  const parse = median(parseRates);
  const windows = median(windowRates);

  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--open-keys-child'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 150_000,
    },
  );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  const mem = line.startsWith('{')
    ? (JSON.parse(line) as {
        openRss: number;
        openHeap: number;
        openExternal: number;
        peak: number;
        hwm: number | null;
        seconds: number;
        fireSeconds: number;
        rows: number;
        leaseLost: boolean;
        groups: number;
      })
    : null;
  if (!mem) console.error(`open-keys child failed (status ${child.status}): ${child.stdout}`);

  const figures: Figure[] = [
    compared(
      'windows: tumbling 1m + hopping 5m/1m',
      windows,
      'events/s',
      'parse-only (JSON.parse per line)',
      parse,
      '≥ 1.5M events/s; ratio ≥ 0.5',
    ),
    single('parse-only (JSON.parse per line)', parse, 'events/s'),
    single('window rows emitted', rows, 'rows'),
  ];
  if (mem) {
    figures.push(
      single(
        `RSS with ${mem.groups} distinct keys open (after last event)`,
        mem.openRss,
        'MiB',
        '≤ 1024 MiB',
      ),
      single('JS heap used then (live and not yet collected)', mem.openHeap, 'MiB'),
      single('external memory then (read buffers)', mem.openExternal, 'MiB'),
      single('peak RSS incl. firing all rows (VmHWM)', mem.hwm ?? mem.peak, 'MiB'),
      single(
        `events/s with ${mem.groups} open keys (to the last event)`,
        OPEN_KEYS / mem.seconds,
        'events/s',
      ),
      single(
        `firing ${mem.groups} groups at end of input${mem.leaseLost ? ' (lease lost: > 15 s blocked)' : ''}`,
        mem.fireSeconds,
        's',
      ),
    );
  }
  writeResults('windows', figures, [
    `${EVENTS} events, ${KEYS} keys (user), seed ${SEED}, intervalMs ${INTERVAL_MS}; median of ${RUNS} runs after a warm-up`,
    `windows: tumbling 1m and hopping 5m/1m, group by user; count, sum(amount), mean(amount), quantile q=0.95 (latency_ms), distinct(device)`,
    'in-process Pipeline: FileSource (batch 5000) → decoder → windows → counting sink; MemoryCheckpointStore, MemoryDeadLetterOutput, Metrics(false), checkpoint interval 1h',
    `open keys: one tumbling 1d window grouped by user with ${OPEN_KEYS} distinct users, same five aggregates, in a child process`,
  ]);
}

/** Child: one big tumbling window with OPEN_KEYS distinct groups open at once; prints RSS as JSON. */
async function openKeysChild(): Promise<void> {
  const path = join(DATA_DIR, `open-keys-${OPEN_KEYS}.jsonl`);
  const gen = new EventGenerator(
    generatorSourceSchema.parse({ type: 'generator', seed: 7, keys: 10, intervalMs: 1 }),
  );
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let chunk = '';
  for (let i = 0; i < OPEN_KEYS; i++) {
    const e = gen.next();
    e.user = `u${i}`; // every event its own group: OPEN_KEYS distinct keys
    chunk += `${JSON.stringify(e)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve) => out.end(() => resolve()));
  // the generator's strings are garbage now; start the measurement from a collected heap
  (globalThis as { gc?: () => void }).gc?.();
  const cfg: PipelineConfigInput = {
    pipeline: 'bench',
    source: { type: 'file', path, batchSize: 5_000 },
    schema: GENERATOR_SCHEMA,
    windows: [{ name: 'day', type: 'tumbling', size: '1d', groupBy: ['user'], aggregates: AGGREGATES }],
  };
  const sampler = sampleRss(20);
  let openRss = 0;
  let openHeap = 0;
  let openExternal = 0;
  let seen = 0;
  const sink = new CountingSink();
  let openAt = 0n;
  const t0 = process.hrtime.bigint();
  let leaseLost = false;
  try {
    await runPipeline(cfg, new FileSource(fileSourceSchema.parse(cfg.source)), sink, (stats) => {
      seen = stats.accepted;
      if (seen === OPEN_KEYS) {
        const mem = process.memoryUsage();
        openRss = mem.rss / 1024 / 1024;
        openHeap = mem.heapUsed / 1024 / 1024;
        openExternal = mem.external / 1024 / 1024;
        openAt = process.hrtime.bigint();
      }
    });
  } catch (err) {
    // Firing 1M groups at end of input is one synchronous stretch; longer than the 15 s lease TTL
    // (slow or loaded machine) and the final checkpoint is refused. The memory figures stand.
    if ((err as { code?: string }).code !== 'SL_ERR_LEASE_LOST') throw err;
    leaseLost = true;
  }
  const peak = sampler.stop();
  const fireSeconds = Number(process.hrtime.bigint() - openAt) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ openRss, openHeap, openExternal, peak, hwm: peakRssMiB(), seconds: Number(openAt - t0) / 1e9, fireSeconds, rows: sink.rows, leaseLost, groups: OPEN_KEYS })}\n`,
  );
}

await main();
