import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KafkaSourceConfig } from '../../core/config/index.js';
import { StreamlearnError } from '../../core/errors.js';
import type { Positions, RecordBatch } from '../../core/event.js';
import type { Logger } from '../../core/logger.js';
import type { PartitionListener, Source } from '../source.js';
import { KafkaSource } from './kafka-source.js';
import { unpackBatch, type PackedBatch } from './packed-batch.js';
import { deserializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

/**
 * Batches the worker may hand over before the pipeline takes one: the next is on its way while
 * the pipeline works through the last. Behind them the worker's `KafkaSource` queues a few more
 * and then stops fetching, so a slow pipeline still holds consumption back with bounded memory.
 */
const CREDIT = 2;
/**
 * Batches the worker's consumer fetches ahead of the hand-over. The main-thread source keeps 8 so
 * the pipeline never waits for a fetch; here fetching runs beside the pipeline, and each held
 * batch (up to 4 MiB a partition, decoded by kafkajs) is memory spent for nothing: with 8 the
 * e2e run's peak RSS was ~140 MB higher (920 against 779 MiB) and no faster.
 */
const WORKER_QUEUE = 2;
/** How long `close` waits for the worker to leave the group before it is terminated. */
const CLOSE_TIMEOUT_MS = 10_000;

/** A request the worker answers, without the id `request` gives it (derived, so it cannot drift). */
type Request = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/**
 * The kafkajs source on a worker thread. Fetching and decoding Kafka's protocol cost about as much
 * CPU per record as decoding and windowing it (~3 µs on the bench machine); on the main thread the
 * two take turns, on a worker they run side by side on two cores. The worker runs the same
 * {@link KafkaSource} (group membership, manual commits, the replay guard after a rejoin, idle
 * end of input) and posts each batch packed into one buffer ({@link PackedBatch}); this side
 * unpacks it into records viewing that buffer. Errors keep their code and `retriable`, logs go
 * to this thread's logger, and a worker that dies fails `next()` with a retriable error.
 */
export class KafkaWorkerSource implements Source {
  readonly kind = 'kafka';
  private worker: Worker | null = null;
  private readonly batches: PackedBatch[] = [];
  private ended = false;
  private closed = false;
  private credited = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private nextId = 1;
  private readonly replies = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private listener: PartitionListener | undefined;
  private pinger: KafkaSource | null = null;

  constructor(
    private readonly cfg: KafkaSourceConfig,
    private readonly logger?: Logger,
  ) {}

  async start(_positions?: Positions, listener?: PartitionListener): Promise<void> {
    this.listener = listener;
    // start comes before any next(): a worker that died during a failed start (the runtime
    // retries it) has handed nothing out and is replaced; later failures end the run (see `fail`)
    if (this.failure !== null && this.worker !== null) {
      void this.worker.terminate();
      this.worker = null;
      this.failure = null;
      this.credited = false;
      this.batches.length = 0;
    }
    this.worker ??= this.spawn();
    await this.request({ type: 'start' });
    if (!this.credited) {
      this.credited = true;
      this.post({ type: 'credit', batches: CREDIT });
    }
  }

  async next(): Promise<RecordBatch | null> {
    for (;;) {
      const packed = this.batches.shift();
      if (packed !== undefined) {
        this.post({ type: 'credit', batches: 1 });
        return unpackBatch(packed);
      }
      if (this.failure !== null) throw this.failure;
      if (this.ended || this.closed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async commit(positions: Positions): Promise<void> {
    if (this.worker === null) return;
    await this.request({ type: 'commit', positions });
  }

  pause(): void {
    this.post({ type: 'pause' });
  }

  resume(): void {
    this.post({ type: 'resume' });
  }

  /** On this thread: an admin round trip needs no worker, and works before start and after close. */
  async ping(): Promise<void> {
    await (this.pinger ??= new KafkaSource(this.cfg, this.logger)).ping();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeNext();
    const worker = this.worker;
    if (worker === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.request({ type: 'close' }).catch((err: unknown) =>
        this.logger?.warn({ err }, 'kafka worker did not close cleanly'),
      ),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    this.worker = null;
    await worker.terminate();
  }

  private spawn(): Worker {
    const { entry, eval: isCode } = workerEntry();
    const worker = new Worker(entry, { workerData: { cfg: this.cfg, queued: WORKER_QUEUE }, eval: isCode });
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (this.worker === worker && !this.closed)
        this.fail(new Error(`the Kafka worker exited with code ${code}`));
    });
    return worker;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'batch':
        this.batches.push(m.batch);
        this.wakeNext();
        break;
      case 'end':
        this.ended = true;
        this.wakeNext();
        break;
      case 'error':
        this.fail(deserializeError(m.error));
        break;
      case 'reply': {
        const waiting = this.replies.get(m.id);
        this.replies.delete(m.id);
        if (m.error === undefined) waiting?.resolve();
        else waiting?.reject(deserializeError(m.error));
        break;
      }
      case 'assigned':
        void this.listener?.onAssigned?.(m.partitions);
        break;
      case 'log':
        this.logger?.[m.level](m.fields, m.msg);
        break;
    }
  }

  /**
   * The worker can fetch no more: `next()` throws (after the batches already here), requests fail.
   * The run then ends and restarts from its checkpoint; a new worker here would rejoin the group
   * at the committed offsets, behind what was already handed out, and hand those records out twice.
   */
  private fail(cause: Error): void {
    if (this.failure !== null) return;
    this.failure =
      cause instanceof StreamlearnError
        ? cause
        : new StreamlearnError('SL_ERR_SOURCE', `Kafka source ${this.cfg.topic}: ${cause.message}`, {
            cause,
            retriable: true,
          });
    for (const waiting of this.replies.values()) waiting.reject(this.failure);
    this.replies.clear();
    this.wakeNext();
  }

  private request(req: Request): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.post({ ...req, id } as ToWorker);
    });
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private wakeNext(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * How to start the worker: the compiled `kafka-worker.js` beside this file in a build. From source
 * (tests, tsx) the `.ts` file, loaded by a two-line bootstrap that registers tsx's loader inside
 * the worker first: Node 20 does not carry a thread's `--import` loader hooks into its workers.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return { entry: new URL('./kafka-worker.js', import.meta.url), eval: false };
  const tsx = pathToFileURL(tsxEsmApi()).href;
  const entry = new URL('./kafka-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return { entry: bootstrap, eval: true };
}

/** The ESM build of `tsx/esm/api` (its CommonJS build cannot register from a worker). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports['./esm/api'];
  return join(dirname(manifest), exports.import.default);
}

interface TsxManifest {
  exports: Record<'./esm/api', { import: { default: string } }>;
}
