/**
 * API speed: predictions/s and p50/p99 latency of `POST /v1/predict` (single and batch) on loopback,
 * measured with autocannon for a fixed time each, against `buildApp` with a real logistic
 * regression (src/online/models) behind a minimal ModelService, API keys and the in-memory rate
 * limiter on (burst large enough never to refuse), as in production.
 *
 * The server runs in a child process so autocannon's own work does not share its event loop.
 * Peer: a bare Fastify route answering a constant JSON to the same POST — the ceiling of the HTTP
 * stack on this machine, so `ratio` is the share of it that streamlearn's predict keeps.
 *
 * Run: npx tsx bench/api.bench.ts [seconds per run, default 10]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../src/api/app.js';
import type { ModelInfo, ModelService, PredictionResult } from '../src/api/context.js';
import type { FieldValue } from '../src/core/event.js';
import { StreamlearnError } from '../src/core/errors.js';
import { isClassifier, type Classifier } from '../src/online/model.js';
import { createModel } from '../src/online/models/index.js';
import { Metrics } from '../src/runtime/metrics.js';
import { compared, single, writeResults, type Figure } from './lib/results.js';

const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'];
const API_KEY = 'bench-key-0123456789abcdef';
const BATCH = 100;
const CONNECTIONS = 16;

/** The smallest ModelService: one trained model, predictions from `predictProbaOne`. */
class BenchModelService implements ModelService {
  private readonly model: Classifier;
  constructor() {
    const m = createModel({ type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.05 } });
    if (!isClassifier(m)) throw new Error('expected a classifier');
    this.model = m;
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let i = 0; i < 20_000; i++) {
      const x: Record<string, number> = {};
      for (const f of FEATURES) x[f] = rand();
      this.model.learnOne(x, x.f0! + 0.5 * x.f1! > 0);
    }
  }
  private info(): ModelInfo {
    return {
      name: 'bench',
      kind: this.model.kind,
      task: 'classification',
      version: 1,
      role: 'learner',
      eventsSeen: 20_000,
      metrics: { overall: {}, rolling: {} },
      versions: [{ version: 1, createdAt: 0 }],
    };
  }
  async list() {
    return [this.info()];
  }
  async get(name: string) {
    return name === 'bench' ? this.info() : undefined;
  }
  async predict(
    name: string | undefined,
    instances: Record<string, FieldValue>[],
  ): Promise<PredictionResult[]> {
    if (name !== undefined && name !== 'bench')
      throw new StreamlearnError('SL_ERR_NOT_FOUND', `no model ${name}`);
    const out: PredictionResult[] = new Array(instances.length);
    for (let i = 0; i < instances.length; i++) {
      const probabilities = this.model.predictProbaOne(instances[i] as Record<string, number>);
      out[i] = { prediction: probabilities.true! >= 0.5, probabilities, version: 1 };
    }
    return out;
  }
  async rollback(): Promise<ModelInfo> {
    throw new StreamlearnError('SL_ERR_VALIDATION', 'not in the bench');
  }
}

async function serve(): Promise<void> {
  const metrics = new Metrics(true);
  const app = await buildApp(
    {
      pipeline: 'bench',
      windows: [],
      sink: { kind: 'none' } as never,
      metrics,
      readiness: async () => ({}),
      stats: () => ({}),
      models: new BenchModelService(),
    },
    { apiKeys: [API_KEY], rateLimit: { burst: 1e9, perSecond: 1e9 }, maxBatch: 1_000 },
    { env: {} },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const peer = Fastify({ logger: false });
  const answer = { model: null, prediction: true, probabilities: { false: 0.3, true: 0.7 }, version: 1 };
  peer.post('/v1/predict', async () => answer);
  await peer.listen({ host: '127.0.0.1', port: 0 });
  const port = (a: typeof app | typeof peer) => (a.server.address() as { port: number }).port;
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMicros: user + system });
  });
  process.send!({ api: port(app), peer: port(peer) });
}

interface Run {
  requestsPerSec: number;
  /** Server CPU time per request (µs), from the child's process.cpuUsage: a figure load hardly moves. */
  cpuMicrosPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

let server: ChildProcess;

/** The server's CPU time so far (user + system, µs). */
function serverCpu(): Promise<number> {
  return new Promise((resolve) => {
    server.once('message', (m) => resolve((m as { cpuMicros: number }).cpuMicros));
    server.send('cpu');
  });
}

async function load(url: string, body: string, seconds: number): Promise<Run> {
  const cpuBefore = await serverCpu();
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
  });
  const cpu = (await serverCpu()) - cpuBefore;
  return {
    requestsPerSec: result.requests.average,
    cpuMicrosPerRequest: cpu / Math.max(1, result.requests.total),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const child: ChildProcess = (server = fork(process.argv[1]!, [], {
    env: { ...process.env, SL_BENCH_ROLE: 'server', LOG_LEVEL: 'silent' },
    execArgv: process.execArgv,
    stdio: 'inherit',
  }));
  try {
    const ports = await new Promise<{ api: number; peer: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { api: number; peer: number }));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const instance = () => Object.fromEntries(FEATURES.map((f, i) => [f, ((i * 37) % 11) / 10 - 0.5]));
    const singleBody = JSON.stringify({ instance: instance() });
    const batchBody = JSON.stringify({ instances: Array.from({ length: BATCH }, instance) });
    const api = `http://127.0.0.1:${ports.api}/v1/predict`;
    const peerUrl = `http://127.0.0.1:${ports.peer}/v1/predict`;

    const loadBefore = loadavg()[0]!;
    await load(api, singleBody, 2); // warm-up (JIT, connection pools)
    const peer = await load(peerUrl, singleBody, seconds);
    const one = await load(api, singleBody, seconds);
    const batch = await load(api, batchBody, seconds);
    for (const [name, r] of [
      ['single', one],
      ['batch', batch],
      ['peer', peer],
    ] as const) {
      if (r.errors > 0 || r.non2xx > 0)
        throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
    }
    const figures: Figure[] = [
      compared(
        'single predict: predictions/s',
        one.requestsPerSec,
        'predictions/s',
        'bare Fastify POST (constant JSON)',
        peer.requestsPerSec,
        '≥ 20k',
      ),
      compared(
        'single predict: server CPU per request',
        one.cpuMicrosPerRequest,
        'µs',
        'bare Fastify POST (constant JSON)',
        peer.cpuMicrosPerRequest,
      ),
      single(
        'single predict: implied capacity of one core (1e6 / CPU µs)',
        1e6 / one.cpuMicrosPerRequest,
        'predictions/s',
        '≥ 20k',
      ),
      single('single predict: p50 latency', one.p50, 'ms'),
      single('single predict: p99 latency', one.p99, 'ms', '≤ 5 ms'),
      single(
        `batch predict (${BATCH}/request): predictions/s`,
        batch.requestsPerSec * BATCH,
        'predictions/s',
      ),
      single(`batch predict (${BATCH}/request): requests/s`, batch.requestsPerSec, 'requests/s'),
      single(
        `batch predict (${BATCH}/request): server CPU per prediction`,
        batch.cpuMicrosPerRequest / BATCH,
        'µs',
      ),
      single(`batch predict (${BATCH}/request): p50 latency`, batch.p50, 'ms'),
      single(`batch predict (${BATCH}/request): p99 latency`, batch.p99, 'ms'),
      single('peer: p99 latency', peer.p99, 'ms'),
    ];
    writeResults('api', figures, [
      `autocannon, ${CONNECTIONS} connections, no pipelining, ${seconds} s per run after a 2 s warm-up, loopback`,
      'server in a child process: buildApp with API key auth, in-memory rate limiter, HTTP + predict metrics',
      `model: logistic regression (SGD) on ${FEATURES.length} numeric features, trained on 20k examples`,
      `1-min load average before/after: ${loadBefore.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} ` +
        '(other work on the machine lowers every figure, the peer too; compare the ratio)',
    ]);
  } finally {
    child.kill();
  }
}

if (process.env.SL_BENCH_ROLE === 'server') {
  await serve();
} else {
  await main();
}
