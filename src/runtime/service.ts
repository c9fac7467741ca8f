import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { RingLiveFeed, windowRowsPublisher } from '../api/live-feed.js';
import type { DependencyCheck, ServiceContext } from '../api/context.js';
import type { KafkaSourceConfig, PipelineConfig } from '../core/config/index.js';
import { StreamlearnError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createDriftStage, type DriftMonitorStage } from '../drift/index.js';
import { createDeadLetterOutput, createSource } from '../ingest/index.js';
import type { Source } from '../ingest/source.js';
import { createLearnerStage, learnerCheckpointName, type LearnerParts } from '../online/index.js';
import { createSink } from '../sinks/index.js';
import type { Sink } from '../sinks/sink.js';
import { createCheckpointStore, LeaseKeeper } from '../state/index.js';
import { windowTableName } from '../windows/index.js';
import { Metrics } from './metrics.js';
import { startObserving } from './observe.js';
import { preflight } from './preflight.js';
import { Pipeline, type PipelineParts, type PipelineStats } from './pipeline.js';
import type { Stage } from './stage.js';

export interface ServiceOptions {
  /** Serve the HTTP API (default: as configured). */
  api?: boolean;
  logger?: Logger;
  metrics?: Metrics;
  /** Override the sink (replay writes to a folder). */
  sink?: Sink;
}

/** A running service: the pipeline plus its API; `stop()` shuts both down gracefully. */
export interface Service {
  readonly pipeline: Pipeline;
  readonly learner: LearnerParts | null;
  readonly drift: DriftMonitorStage | null;
  app: FastifyInstance | null;
  /** Resolves when the pipeline ends (finite input) or stops. */
  done: Promise<PipelineStats>;
  stop(): Promise<void>;
}

/**
 * One run of a job — a pipeline with its source and stages; a lost lease replaces it with a fresh
 * run. A service runs one job, or with scale-out two: the windows, partitioned across the
 * instances of the consumer group, and the model (learner and drift monitor, which need every
 * event) in a group of its own, on one instance at a time.
 */
interface Run {
  source: Source;
  pipeline: Pipeline;
  learner: LearnerParts | null;
  drift: DriftMonitorStage | null;
}
/**
 * Wires a pipeline from its config and starts it (and the API): source → decode → windows, the
 * learner and the drift monitor as stages (the learner first, feeding its prediction and error
 * streams to the monitor, which may ask it to react to drift) → sinks and alert channels.
 */
export async function startService(config: PipelineConfig, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger();
  // every configured service must answer before anything starts: fail naming the field, never half-start
  await preflight(config, {
    logger,
    sink: options.sink === undefined,
    api: options.api ?? config.api.enabled,
  });
  const metrics = options.metrics ?? new Metrics();
  const sink = options.sink ?? createSink(config.sink);
  const deadLetter = createDeadLetterOutput(config.deadLetter, config.source, logger);
  const store = createCheckpointStore(config.checkpoint);
  const owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const modelLease = config.learner
    ? new LeaseKeeper(store, {
        name: learnerCheckpointName(config),
        owner,
        ttlMs: config.checkpoint.leaseTtl,
      })
    : null;
  modelLease?.on('error', (err) =>
    logger.warn({ err: (err as Error).message }, 'model lease store unavailable; retrying'),
  );
  let stopped = false;
  const apiOn = options.api ?? config.api.enabled;
  const live = apiOn ? new RingLiveFeed(config.api.liveBuffer) : null;
  const onRows = live
    ? windowRowsPublisher(live, new Map(config.windows.map((w) => [windowTableName(w.name), w.name])))
    : undefined;

  // scale-out: windows per partition in the consumer group; the model job in a group of its own
  const scaleOut = config.source.type === 'kafka' && config.source.partitionedBy !== undefined;
  const modelJobConfig: PipelineConfig | null =
    !config.learner && !config.drift
      ? null
      : !scaleOut
        ? config
        : {
            ...config,
            windows: [],
            source: {
              ...(config.source as KafkaSourceConfig),
              groupId: `${(config.source as KafkaSourceConfig).groupId}.model`,
            },
          };
  const windowsJobConfig = scaleOut && config.windows.length > 0 ? config : null;

  /** A pipeline on the service's shared sink, dead letters, store, metrics and live feed. */
  const newPipeline = (
    jobConfig: PipelineConfig,
    source: Source,
    job: Pick<PipelineParts, 'stages' | 'scope' | 'checkpointName'>,
  ): Pipeline =>
    new Pipeline({ config: jobConfig, source, sink, deadLetter, store, metrics, logger, onRows, ...job });

  const newModelRun = async (jobConfig: PipelineConfig): Promise<Run> => {
    const source = createSource(jobConfig.source, logger, jobConfig.schema.maxRecordBytes);
    const stages: Stage[] = [];
    let learner: LearnerParts | null = null;
    if (config.learner) {
      learner = createLearnerStage(config, {
        store,
        lease: () => modelLease?.lease ?? null,
        logger,
        onLeaseLost: () => run.pipeline.stop(),
      });
      stages.push(learner.stage);
    }
    const drift = await createDriftStage(config, { logger });
    if (drift) {
      drift.monitor.onAlert((alert) => live?.publish('alert', alert as unknown as { id: string }));
      if (learner) {
        const monitor = drift.monitor;
        learner.stage.setObserver((stream, value, ts) => monitor.observeValue(stream, value, ts));
        monitor.onDrift(learner.stage);
      }
      stages.push(drift);
    }
    const checkpointName = scaleOut ? `${config.pipeline}.stages` : undefined;
    const pipeline = newPipeline(jobConfig, source, { stages, checkpointName });
    return { source, pipeline, learner, drift };
  };
  const newWindowsRun = (jobConfig: PipelineConfig): Run => {
    const source = createSource(jobConfig.source, logger, jobConfig.schema.maxRecordBytes);
    const pipeline = newPipeline(jobConfig, source, { scope: 'partitioned' });
    return { source, pipeline, learner: null, drift: null };
  };
  let windowsRun = windowsJobConfig ? newWindowsRun(windowsJobConfig) : null;
  let modelRun = modelJobConfig ? await newModelRun(modelJobConfig) : null;
  // the run the API reports on: the model job holds the learner and monitor
  let run: Run = modelRun ?? windowsRun ?? (await newModelRun(config));
  if (!modelRun && !windowsRun) modelRun = run;
  const runs = (): Run[] => [windowsRun, modelRun].filter((r): r is Run => r !== null);

  const stopObserving = startObserving(config, () => run, metrics, live);
  let app: FastifyInstance | null = null;
  if (apiOn) {
    const ctx: ServiceContext = {
      pipeline: config.pipeline,
      windows: (windowsRun ?? run).pipeline.windows, // compiled from the config: the same across restarts
      sink,
      metrics,
      stats: () => ({ ...(windowsRun ?? run).pipeline.stats }),
      get models() {
        return run.learner?.service;
      },
      get drift() {
        return run.drift ?? undefined;
      },
      get alerts() {
        return run.drift ?? undefined;
      },
      live: live ?? undefined,
      readiness: async () => ({
        source: await check(() => run.source.ping(), lastFailure(runs(), 'source')),
        sink: await check(() => sink.ping(), lastFailure(runs(), 'sink')),
        checkpoint: await check(() => store.ping(), lastFailure(runs(), 'checkpoint')),
      }),
    };
    // several instances share rate-limit buckets through the Redis the checkpoints use
    const rateLimit = { ...config.api.rateLimit };
    if (!rateLimit.redisUrl && config.checkpoint.store === 'redis')
      rateLimit.redisUrl = config.checkpoint.redisUrl;
    app = await buildApp(ctx, { ...config.api, rateLimit }, { logger: false });
    await app.listen({ host: config.api.host, port: config.api.port });
    if (app.apiSecurity.demoMode) {
      logger.warn(
        `no API keys configured: local-only demo mode, the API is open to anyone who can reach ${config.api.host}:${config.api.port}`,
      );
    }
    logger.info({ url: `http://${config.api.host}:${config.api.port}` }, 'HTTP API listening');
  }

  /**
   * Runs a job; when it loses its lease without another instance taking over (a long GC pause, a
   * store outage longer than the lease), it restarts from its last checkpoint instead of exiting:
   * the fencing token already refused anything the stale run tried to write.
   */
  const supervise = async (
    current: () => Run,
    replace: () => Promise<Run>,
    before?: () => Promise<unknown>,
  ): Promise<PipelineStats> => {
    for (;;) {
      try {
        if (before) await before();
        return await current().pipeline.run();
      } catch (err) {
        if (stopped || !(err instanceof StreamlearnError && err.code === 'SL_ERR_LEASE_LOST')) throw err;
        logger.warn('a lease was lost: restarting the job from its last checkpoint');
        await current()
          .drift?.close?.()
          .catch(() => undefined);
        await replace();
      }
    }
  };
  const jobs: Promise<PipelineStats>[] = [];
  if (windowsRun && windowsJobConfig)
    jobs.push(
      supervise(
        () => windowsRun!,
        async () => (windowsRun = newWindowsRun(windowsJobConfig)),
      ),
    );
  if (modelRun)
    jobs.push(
      supervise(
        () => modelRun!,
        async () => (run = modelRun = await newModelRun(modelJobConfig ?? config)),
        modelLease ? () => modelLease.start() : undefined,
      ),
    );
  const done = Promise.all(jobs)
    .then((stats) => stats[0]!)
    .finally(async () => {
      await deadLetter.close().catch(() => undefined);
    });
  const stop = async (): Promise<void> => {
    stopped = true;
    stopObserving();
    for (const r of runs()) r.pipeline.stop();
    await done.catch(() => undefined);
    await app?.close();
    await modelLease?.stop().catch(() => undefined);
    await sink.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
  return {
    get pipeline() {
      return run.pipeline;
    },
    get learner() {
      return run.learner;
    },
    get drift() {
      return run.drift;
    },
    app,
    done,
    stop,
  };
}

/** The latest failure of a dependency in any job (for /readyz), or null. */
function lastFailure(runs: Run[], dep: 'source' | 'sink' | 'checkpoint'): string | null {
  for (const r of runs) {
    const failure = r.pipeline.health.get(dep);
    if (failure) return failure;
  }
  return null;
}

async function check(
  ping: () => Promise<void>,
  lastFailure: string | null | undefined,
): Promise<DependencyCheck> {
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2_000)),
    ]);
    return lastFailure
      ? { ok: false, detail: `reachable, but the last operation failed: ${lastFailure}` }
      : { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}
