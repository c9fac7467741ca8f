/**
 * Soak: the full service — Kafka (4 partitions) → windows + online learner + drift monitor →
 * ClickHouse, checkpoints in Redis — run by the CLI (`bin/streamlearn.js run`) as a child process
 * and fed by a producer here at half the pipeline's maximum rate. Every minute it prints events
 * produced and consumed, lag, the service's RSS and heap, and rows written; at the end a verdict
 * (exit 0 pass, 1 fail) and bench/results/soak.json. Not a CI test: it runs for as long as asked.
 *
 *   npm run soak -- --minutes 30                full run: 60 s calibration, then 30 min at half
 *   npm run soak -- --minutes 3 --rate 4000     skip calibration
 *
 * Options: --calibrate <s> (60), --warmup <min> (minutes/6, 1..5), --max-rss-slope <MiB/min> (1),
 * --max-lag <s> (10), --sample-every <s> (5), --skip-build, --keep (leave topic, database, keys).
 * The config is config/pipeline.yaml's Kafka/ClickHouse/Redis shape with config/demo.yaml's
 * schema, windows, learner and drift monitor; topic, database and pipeline names are unique per run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CLICKHOUSE_URL, DEFAULT_KAFKA_BROKERS, DEFAULT_REDIS_URL } from '../src/core/connections.js';
import { generatorSourceSchema, parseConfig } from '../src/core/config/index.js';
import { sleep } from '../src/core/retry.js';
import { createKafka, ensureTopic } from '../src/ingest/kafka/kafka-client.js';
import { EventGenerator } from '../src/ingest/generator.js';
import { EventProducer } from './lib/paced-producer.js';
import {
  BENCH_DIR,
  DATA_DIR,
  RESULTS_DIR,
  formatTable,
  machineInfo,
  single,
  type Figure,
} from './lib/results.js';
import { freePort, ServiceProcess, type ServiceSample } from './lib/service-process.js';

const ROOT = join(BENCH_DIR, '..');
const BROKERS = process.env.KAFKA_BROKERS ?? DEFAULT_KAFKA_BROKERS;
const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? DEFAULT_CLICKHOUSE_URL;
const REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
const PARTITIONS = 4;
const KEYS = 1_000;
const DISORDER_MS = 2_000;
/** Calibration keeps this many events waiting in the topic: enough that the pipeline never idles. */
const CALIBRATION_BACKLOG = 50_000;
const MiB = 1024 * 1024;

interface Options {
  minutes: number;
  rate: number | null;
  calibrateSeconds: number;
  warmupMinutes: number;
  maxRssSlope: number;
  maxLagSeconds: number;
  sampleSeconds: number;
  build: boolean;
  keep: boolean;
}

/** One probe during the soak; `t` in seconds since the soak phase began. */
interface Sample extends ServiceSample {
  t: number;
  produced: number;
}

interface Verdict {
  pass: boolean;
  rule: string;
  reasons: string[];
  rssSlopeMiBPerMin: number;
  heapSlopeMiBPerMin: number;
  maxBehind: number;
  maxLagRecords: number;
}

function options(): Options {
  const { values: v } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string' },
      calibrate: { type: 'string', default: '60' },
      warmup: { type: 'string' },
      'max-rss-slope': { type: 'string', default: '1' },
      'max-lag': { type: 'string', default: '10' },
      'sample-every': { type: 'string', default: '5' },
      'skip-build': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const minutes = positive('minutes', v.minutes);
  return {
    minutes,
    rate: v.rate === undefined ? null : positive('rate', v.rate),
    calibrateSeconds: positive('calibrate', v.calibrate),
    warmupMinutes:
      v.warmup === undefined ? Math.min(5, Math.max(1, minutes / 6)) : positive('warmup', v.warmup),
    maxRssSlope: positive('max-rss-slope', v['max-rss-slope']),
    maxLagSeconds: positive('max-lag', v['max-lag']),
    sampleSeconds: positive('sample-every', v['sample-every']),
    build: !v['skip-build'],
    keep: v.keep,
  };
}

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

/** pipeline.yaml's production shape (Kafka, ClickHouse, Redis) with demo.yaml's analytics. */
function soakConfig(names: Names, port: number): Record<string, unknown> {
  type Section = Record<string, unknown>;
  const read = (f: string) =>
    parseYaml(readFileSync(join(ROOT, 'config', f), 'utf8')) as Record<string, Section> & {
      drift: Section & { alerts: Section };
    };
  const prod = read('pipeline.yaml');
  const demo = read('demo.yaml');
  return {
    pipeline: names.pipeline,
    source: { ...prod.source, brokers: [BROKERS], topic: names.topic, groupId: names.topic },
    schema: demo.schema,
    watermark: prod.watermark,
    windows: demo.windows,
    learner: demo.learner,
    drift: {
      ...demo.drift,
      alerts: { ...demo.drift.alerts, outboxDir: join(DATA_DIR, `${names.topic}-alerts`) },
    },
    sink: { ...prod.sink, url: CLICKHOUSE_URL, database: names.database },
    deadLetter: prod.deadLetter,
    checkpoint: { ...prod.checkpoint, redisUrl: REDIS_URL },
    // no keys and no rate limit: the probes below must never be refused
    api: { host: '127.0.0.1', port, rateLimit: { enabled: false } },
  };
}

interface Names {
  pipeline: string;
  topic: string;
  database: string;
}

function generator(seed: number, driftAt?: number): EventGenerator {
  return new EventGenerator(
    generatorSourceSchema.parse({
      type: 'generator',
      seed,
      events: 0,
      keys: KEYS,
      ...(driftAt === undefined ? {} : { drift: { atEvent: driftAt } }),
    }),
  );
}

/**
 * The pipeline's maximum rate: the topic is kept `CALIBRATION_BACKLOG` ahead of what the service
 * has read, and the rate is what it reads over `seconds` after the group has joined and a 10 s
 * ramp. Then production stops until the backlog is drained, so the soak starts with no lag.
 */
async function calibrate(service: ServiceProcess, producer: EventProducer, seconds: number): Promise<number> {
  let consumed = 0;
  let done = false;
  const poll = (async () => {
    while (!done && service.running) {
      consumed = await service.stats().then(
        (s) => s.records,
        () => consumed,
      );
      await sleep(250);
    }
  })();
  const feeding = producer.keepAhead(
    () => producer.produced - consumed,
    CALIBRATION_BACKLOG,
    () => done,
  );
  while (consumed === 0 && service.running) await sleep(250);
  await sleep(10_000);
  const c0 = consumed;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const rate = ((consumed - c0) * 1000) / (Date.now() - t0);
  done = true;
  await Promise.all([poll, feeding]);
  const drainBy = Date.now() + 120_000;
  while (service.running && Date.now() < drainBy) {
    consumed = (await service.stats()).records;
    if (consumed >= producer.produced) break;
    await sleep(500);
  }
  if (!service.running) throw new Error(`the service exited during calibration; see ${service.logPath}`);
  return rate;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Pass when, over the samples after warm-up, RSS grows by at most `maxRssSlope` MiB/min
 * (least-squares slope) and the records produced but not yet read never exceed `maxLagSeconds`
 * of input; and the producer held its rate, the service wrote window rows and shut down cleanly.
 */
function judge(
  samples: Sample[],
  opts: Options,
  rate: number,
  production: { due: number; sent: number },
  exit: number | string,
): Verdict {
  const settled = samples.filter((s) => s.t >= opts.warmupMinutes * 60);
  const minutes = settled.map((s) => s.t / 60);
  const rssSlope = slope(
    minutes,
    settled.map((s) => s.rssBytes / MiB),
  );
  const heapSlope = slope(
    minutes,
    settled.map((s) => s.heapUsedBytes / MiB),
  );
  const maxBehind = Math.max(0, ...settled.map((s) => s.produced - s.records));
  const maxLag = Math.max(0, ...settled.map((s) => s.lagRecords));
  const last = samples[samples.length - 1];
  const lagBound = rate * opts.maxLagSeconds;
  const reasons: string[] = [];
  if (settled.length < 3) reasons.push(`only ${settled.length} samples after warm-up (need ≥ 3)`);
  if (rssSlope > opts.maxRssSlope)
    reasons.push(`RSS grows ${rssSlope.toFixed(2)} MiB/min after warm-up (> ${opts.maxRssSlope})`);
  if (maxBehind > lagBound) reasons.push(`fell ${maxBehind} records behind (> ${lagBound})`);
  if (production.sent < 0.98 * production.due)
    reasons.push(`the producer sent ${production.sent} of ${production.due} due events (machine too busy)`);
  if (!last || last.rowsWritten === 0) reasons.push('no window rows were written');
  if (exit !== 0) reasons.push(`the service exited with ${exit} after SIGTERM`);
  return {
    pass: reasons.length === 0,
    rule:
      `after a ${opts.warmupMinutes}-min warm-up: least-squares RSS slope ≤ ${opts.maxRssSlope} MiB/min; ` +
      `produced − read ≤ ${opts.maxLagSeconds} s of input (${lagBound} records); producer ≥ 98% of due; ` +
      'rows written; clean exit on SIGTERM',
    reasons,
    rssSlopeMiBPerMin: rssSlope,
    heapSlopeMiBPerMin: heapSlope,
    maxBehind,
    maxLagRecords: maxLag,
  };
}

function minuteLine(minute: number, s: Sample, prev: Sample | undefined): string {
  const cells = [
    `min ${String(minute).padStart(3)}`,
    `produced ${String(s.produced - (prev?.produced ?? 0)).padStart(8)}`,
    `consumed ${String(s.records - (prev?.records ?? 0)).padStart(8)}`,
    `behind ${String(s.produced - s.records).padStart(7)}`,
    `lag ${String(s.lagRecords).padStart(7)}`,
    `rss ${(s.rssBytes / MiB).toFixed(1).padStart(7)} MiB`,
    `heap ${(s.heapUsedBytes / MiB).toFixed(1).padStart(6)} MiB`,
    `rows ${String(s.rowsWritten).padStart(8)}`,
  ];
  return cells.join(' | ');
}

/** Probes the service every `everyS` seconds while `soak()` runs, printing a line per minute. */
async function sampled(
  service: ServiceProcess,
  producer: EventProducer,
  everyS: number,
  soak: () => Promise<number>,
): Promise<{ samples: Sample[]; due: number }> {
  const samples: Sample[] = [];
  const t0 = Date.now();
  let printed: Sample | undefined;
  const probe = async (): Promise<void> => {
    const s = await service.sample().catch(() => null);
    if (!s) return;
    const sample = { ...s, t: (Date.now() - t0) / 1000, produced: producer.produced };
    samples.push(sample);
    const minute = Math.floor(sample.t / 60);
    if (minute > Math.floor((printed?.t ?? 0) / 60)) {
      console.log(minuteLine(minute, sample, printed));
      printed = sample;
    }
  };
  await probe(); // the baseline at t = 0: per-minute counts leave the calibration out
  printed = samples[0];
  const timer = setInterval(() => void probe(), everyS * 1000);
  try {
    const due = await soak();
    await sleep(Math.min(everyS, 5) * 1000); // let the last events through before the last probe
    await probe();
    return { samples, due };
  } finally {
    clearInterval(timer);
  }
}

async function rowsInClickhouse(database: string): Promise<number> {
  const ch = createClient({ url: CLICKHOUSE_URL });
  try {
    const rs = await ch.query({
      query: `SELECT sum(rows) AS n FROM system.parts WHERE database = '${database}' AND active`,
      format: 'JSONEachRow',
    });
    return Number(((await rs.json()) as { n: string }[])[0]?.n ?? 0);
  } finally {
    await ch.close();
  }
}

/** Removes what the run created: its topics, database and Redis keys (not with --keep). */
async function cleanUp(names: Names): Promise<void> {
  const admin = createKafka([BROKERS], 'streamlearn-soak').admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter(
    (t) => t === names.topic || t.startsWith(`${names.topic}.`),
  );
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  const ch = createClient({ url: CLICKHOUSE_URL });
  await ch.command({ query: `DROP DATABASE IF EXISTS ${names.database}` });
  await ch.close();
  const redis = new Redis(REDIS_URL);
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `*${names.pipeline}*`, count: 500 }))
    keys.push(...(batch as string[]));
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** The run in figures, for the table and bench/results/soak.json. */
function summary(
  samples: Sample[],
  verdict: Verdict,
  opts: Options,
  run: { rate: number; maxRate: number | null; chRows: number },
): Figure[] {
  const last = samples[samples.length - 1];
  const settled = samples.filter((s) => s.t >= opts.warmupMinutes * 60);
  return [
    ...(run.maxRate === null ? [] : [single('calibrated maximum (full pipeline)', run.maxRate, 'events/s')]),
    single('soak rate', run.rate, 'events/s'),
    single('RSS after warm-up (first sample)', (settled[0]?.rssBytes ?? NaN) / MiB, 'MiB'),
    single('RSS at end', (last?.rssBytes ?? NaN) / MiB, 'MiB'),
    single('RSS slope after warm-up', verdict.rssSlopeMiBPerMin, 'MiB/min', `≤ ${opts.maxRssSlope}`),
    single('heap-used slope after warm-up', verdict.heapSlopeMiBPerMin, 'MiB/min'),
    single(
      'max produced − read after warm-up',
      verdict.maxBehind,
      'records',
      `≤ ${run.rate * opts.maxLagSeconds}`,
    ),
    single('max consumer lag (service metric)', verdict.maxLagRecords, 'records'),
    single('events read', last?.records ?? 0, 'events'),
    single('window rows written', last?.rowsWritten ?? 0, 'rows'),
    single('rows in ClickHouse (active parts)', run.chRows, 'rows'),
  ];
}

function writeSoakResult(result: object, figures: Figure[], notes: string[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, 'soak.json');
  const doc = {
    name: 'soak',
    figures,
    machine: machineInfo(),
    at: new Date().toISOString(),
    notes,
    ...result,
  };
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\n${formatTable(figures)}`);
  for (const n of notes) console.log(`  · ${n}`);
  console.log(`  → ${path}`);
  return path;
}

async function main(): Promise<number> {
  const opts = options();
  if (opts.build) {
    console.log('building dist/ (npm run build) so the CLI runs the current source…');
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) console.warn('build reported errors (tsc still emits); going on with dist/');
  }
  const stamp = Date.now().toString(36);
  const names: Names = { pipeline: `soak_${stamp}`, topic: `soak-${stamp}`, database: `soak_${stamp}` };
  mkdirSync(DATA_DIR, { recursive: true });
  const configPath = join(DATA_DIR, `${names.topic}.json`);
  const logPath = join(DATA_DIR, `${names.topic}.log`);
  const raw = soakConfig(names, await freePort());
  parseConfig(raw, {}, 'soak config'); // fail here, with the field named, rather than in the child
  writeFileSync(configPath, JSON.stringify(raw, null, 2));

  const kafka = createKafka([BROKERS], 'streamlearn-soak');
  await ensureTopic(kafka, names.topic, PARTITIONS);
  const kafkaProducer = kafka.producer({ allowAutoTopicCreation: false });
  await kafkaProducer.connect();
  const producer = new EventProducer(kafkaProducer, names.topic, generator(1), DISORDER_MS);
  console.log(`service: ${configPath} (log ${logPath})`);
  const service = await ServiceProcess.start(configPath, (raw.api as { port: number }).port, logPath);
  try {
    let maxRate: number | null = null;
    if (opts.rate === null) {
      console.log(`calibrating for ${opts.calibrateSeconds} s: producing as fast as the pipeline reads…`);
      maxRate = await calibrate(service, producer, opts.calibrateSeconds);
      console.log(`maximum ≈ ${maxRate.toFixed(0)} events/s; soaking at half`);
    }
    const rate = opts.rate ?? Math.max(1, Math.floor(maxRate! / 2));
    const soakEvents = rate * opts.minutes * 60;
    // a drift halfway: the monitor alerts and the learner starts a new model version mid-soak
    producer.generator = generator(2, Math.floor(soakEvents / 2));
    const sentBefore = producer.produced;
    console.log(`soaking ${opts.minutes} min at ${rate} events/s (${opts.warmupMinutes} min warm-up)`);
    const { samples, due } = await sampled(service, producer, opts.sampleSeconds, () =>
      producer.atRate(rate, opts.minutes * 60, () => !service.running),
    );
    const exit = await service.stop();
    const verdict = judge(samples, opts, rate, { due, sent: producer.produced - sentBefore }, exit);
    const chRows = await rowsInClickhouse(names.database).catch(() => NaN);
    const figures = summary(samples, verdict, opts, { rate, maxRate, chRows });
    writeSoakResult({ options: opts, verdict, samples }, figures, [
      `${opts.minutes} min at ${rate} events/s${maxRate === null ? ' (--rate)' : ` = half the ${opts.calibrateSeconds} s calibration`}, ${PARTITIONS}-partition topic, ${KEYS} users, disorder ${DISORDER_MS} ms, drift injected halfway`,
      'service: bin/streamlearn.js run (child process) — config/pipeline.yaml source/sink/checkpoint shape + config/demo.yaml windows, learner and drift monitor; ClickHouse sink, Redis checkpoints every 5 s',
      `verdict: ${verdict.pass ? 'PASS' : 'FAIL'} — ${verdict.rule}`,
    ]);
    console.log(`\n${verdict.pass ? 'PASS' : 'FAIL'}: ${verdict.rule}`);
    for (const r of verdict.reasons) console.log(`  ✗ ${r}`);
    return verdict.pass ? 0 : 1;
  } finally {
    await service.stop();
    await kafkaProducer.disconnect();
    if (!opts.keep)
      await cleanUp(names).catch((err) => console.warn(`clean-up failed: ${(err as Error).message}`));
  }
}

// kafkajs and the HTTP agent may hold handles open: exit with the verdict once everything is closed
process.exit(await main());
