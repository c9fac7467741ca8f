/**
 * End to end on the real services: a generated JSONL file produced to a fresh 4-partition topic
 * (by `kcat -P`), then consumed three ways and timed —
 *   (a) `kcat -C … -e -q > /dev/null`: the raw consume rate of the topic, the ceiling;
 *   (b) our pipeline with the kafkajs source → tumbling 1m + hopping 5m/1m windows → ClickHouse,
 *       kafkajs on its worker thread (the default) and, for comparison, on the main thread;
 *   (c) the same with the node-rdkafka source, when node-rdkafka is installed.
 * A pipeline's time runs from its start (consumer-group join included) to its final commit, less
 * the wait for the end of input (the idle wait of stopWhenIdleMs and its polling): what a live
 * stream would not have. Needs `scripts/services.sh up`.
 *
 *   npx tsx bench/e2e.bench.ts       BENCH_E2E_EVENTS=500000 for a quick look
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import {
  clickhouseSinkSchema,
  kafkaSourceSchema,
  type PipelineConfigInput,
} from '../src/core/config/index.js';
import { createKafka, ensureTopic } from '../src/ingest/kafka/kafka-client.js';
import { GENERATOR_SCHEMA } from '../src/ingest/generator.js';
import { createSource } from '../src/ingest/index.js';
import { ClickhouseSink } from '../src/sinks/clickhouse-sink.js';
import { eventsFile } from './lib/data.js';
import { peakRssMiB } from './lib/memory.js';
import { runPipeline, TimedSource } from './lib/pipeline.js';
import { compared, single, writeResults, type Figure } from './lib/results.js';

const EVENTS = Number(process.env.BENCH_E2E_EVENTS ?? 2_000_000);
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const PARTITIONS = 4;
const IDLE_MS = 3_000;
const DATABASE = 'bench';

const AGGREGATES = [
  { fn: 'count' },
  { fn: 'sum', field: 'amount' },
  { fn: 'mean', field: 'amount' },
  { fn: 'quantile', field: 'latency_ms', q: 0.95 },
];
// No `distinct`, so the figures stay comparable with the runs before distinct checkpoints turned
// sparse (see BENCHMARKS.md); the windows bench includes it.

function run(cmd: string, args: string[], stdin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'inherit'] });
    if (stdin) createReadStream(stdin).pipe(child.stdin!);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - t0) / 1e9)
        : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** kafkajs on its worker thread (the default source), kafkajs on the main thread, node-rdkafka. */
type Client = 'kafkajs' | 'kafkajs-main' | 'rdkafka';

function hasRdkafka(): boolean {
  try {
    createRequire(import.meta.url)('node-rdkafka');
    return true;
  } catch {
    return false;
  }
}

async function pipelineRun(
  topic: string,
  client: Client,
): Promise<{ seconds: number; events: number; rows: number }> {
  const input: PipelineConfigInput = {
    pipeline: `bench_${client.replace('-', '_')}`,
    source: {
      type: 'kafka',
      brokers: [BROKERS],
      topic,
      groupId: `bench-${client}-${Date.now()}`,
      client: client === 'rdkafka' ? 'rdkafka' : 'kafkajs',
      thread: client === 'kafkajs-main' ? 'main' : 'worker',
      stopWhenIdleMs: IDLE_MS,
    },
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
    sink: { type: 'clickhouse', url: CLICKHOUSE_URL, database: DATABASE },
    // a realistic interval: rows are flushed to ClickHouse and offsets committed every 5 s
    checkpoint: { store: 'memory', interval: '5s' },
  };
  // the product's own choice of source for the client and thread
  const source = new TimedSource(createSource(kafkaSourceSchema.parse(input.source)));
  const sink = new ClickhouseSink(clickhouseSinkSchema.parse(input.sink));
  source.timeWrites(sink);
  try {
    const r = await runPipeline(input, source, sink);
    if (r.stats.accepted !== EVENTS)
      throw new Error(`${client}: expected ${EVENTS} events, got ${r.stats.accepted}`);
    return { seconds: source.workSeconds(r.startedAt), events: r.stats.accepted, rows: r.stats.rowsWritten };
  } finally {
    await sink.close();
  }
}

interface ChildRun {
  seconds: number;
  events: number;
  rows: number;
  /** VmHWM of the child: this client's pipeline alone. */
  peakRss: number | null;
}

/** Marks the child's result line among anything else it prints. */
const RESULT = 'e2e-result ';

/** One pipeline run in a child process, so each client's peak RSS is its own. */
function pipelineInChild(topic: string, client: Client): ChildRun {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--pipeline-child', client, topic],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20, timeout: 600_000 },
  );
  const line = child.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT));
  if (child.status !== 0 || line === undefined)
    throw new Error(`${client} pipeline child failed (status ${child.status}): ${child.stdout.slice(-2000)}`);
  return JSON.parse(line.slice(RESULT.length)) as ChildRun;
}

async function pipelineChild(client: Client, topic: string): Promise<void> {
  const r = await pipelineRun(topic, client);
  process.stdout.write(`${RESULT}${JSON.stringify({ ...r, peakRss: peakRssMiB() })}\n`);
}

async function main(): Promise<void> {
  const path = await eventsFile({ events: EVENTS, keys: 10_000, seed: 42, intervalMs: 1 });
  const topic = `bench-e2e-${Date.now()}`;
  await ensureTopic(createKafka([BROKERS], 'streamlearn-bench'), topic, PARTITIONS);
  const ch = createClient({ url: CLICKHOUSE_URL });
  await ch.command({ query: `DROP DATABASE IF EXISTS ${DATABASE}` });
  await ch.close();

  // key-less messages: librdkafka spreads them over the four partitions
  const produceSeconds = await run(
    'kcat',
    ['-P', '-b', BROKERS, '-t', topic, '-X', 'linger.ms=20', '-X', 'batch.num.messages=10000'],
    path,
  );
  console.log(`produced ${EVENTS} events to ${topic} in ${produceSeconds.toFixed(1)} s`);

  const kcatSeconds = await run('kcat', ['-C', '-b', BROKERS, '-t', topic, '-o', 'beginning', '-e', '-q']);
  const kcat = EVENTS / kcatSeconds;
  console.log(`kcat consume: ${kcatSeconds.toFixed(2)} s`);

  const ours = pipelineInChild(topic, 'kafkajs');
  console.log(`kafkajs (worker thread) pipeline: ${ours.seconds.toFixed(2)} s, ${ours.rows} rows`);
  const main = pipelineInChild(topic, 'kafkajs-main');
  console.log(`kafkajs (main thread) pipeline: ${main.seconds.toFixed(2)} s, ${main.rows} rows`);
  const figures: Figure[] = [
    single('raw consume, kcat -C', kcat, 'events/s'),
    compared(
      'Kafka → windows → ClickHouse (kafkajs on a worker thread)',
      ours.events / ours.seconds,
      'events/s',
      'kcat -C',
      kcat,
      'ratio ≥ 0.6',
    ),
    compared(
      'kafkajs on the main thread (thread: main)',
      main.events / main.seconds,
      'events/s',
      'kafkajs on a worker thread',
      ours.events / ours.seconds,
    ),
  ];
  const rdkafka = hasRdkafka() ? pipelineInChild(topic, 'rdkafka') : null;
  if (rdkafka) {
    console.log(`rdkafka pipeline: ${rdkafka.seconds.toFixed(2)} s, ${rdkafka.rows} rows`);
    figures.push(
      compared(
        'Kafka → windows → ClickHouse (node-rdkafka)',
        rdkafka.events / rdkafka.seconds,
        'events/s',
        'kcat -C',
        kcat,
        'ratio ≥ 0.6',
      ),
      compared(
        'node-rdkafka vs kafkajs (pipeline)',
        rdkafka.events / rdkafka.seconds,
        'events/s',
        'kafkajs on a worker thread',
        ours.events / ours.seconds,
      ),
    );
  } else {
    console.log('node-rdkafka not installed: (c) skipped');
  }
  const memory: [string, ChildRun | null][] = [
    ['kafkajs on a worker thread', ours],
    ['kafkajs on the main thread', main],
    ['node-rdkafka', rdkafka],
  ];
  for (const [label, r] of memory)
    if (r?.peakRss != null)
      figures.push(single(`peak RSS of the pipeline process, ${label}`, r.peakRss, 'MiB'));
  figures.push(
    single('window rows written to ClickHouse (per run)', ours.rows, 'rows'),
    single('produce, kcat -P', EVENTS / produceSeconds, 'events/s'),
  );
  writeResults('e2e', figures, [
    `${EVENTS} generated events (10k users, seed 42, intervalMs 1) produced key-less by kcat -P to a fresh ${PARTITIONS}-partition topic`,
    'pipeline: tumbling 1m + hopping 5m/1m by user; count, sum(amount), mean(amount), p95(latency_ms) — no distinct, see BENCHMARKS.md — into ClickHouse 18.16 (database bench); memory checkpoint store, checkpoint every 5 s',
    `pipeline time = start (consumer-group join included) to the final offset commit (rows and checkpoint durable before it), less the wait from the last record to the end-of-input signal (the ${IDLE_MS / 1000} s stopWhenIdleMs and its polling)`,
    'each pipeline runs in a child process of its own, so its peak RSS (VmHWM) is its alone',
  ]);
}

const at = process.argv.indexOf('--pipeline-child');
if (at >= 0) await pipelineChild(process.argv[at + 1] as Client, process.argv[at + 2]!);
else await main();
