import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { RingLiveFeed, windowRowsPublisher } from '../api/live-feed.js';
import type { DependencyCheck, ServiceContext } from '../api/context.js';
import type { PipelineConfig } from '../core/config/index.js';
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
import { Pipeline, type PipelineStats } from './pipeline.js';
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

/** One run of the pipeline with its stages; a lost lease replaces it with a fresh run. */
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
  let stopped = false;
  const apiOn = options.api ?? config.api.enabled;
  const live = apiOn ? new RingLiveFeed(config.api.liveBuffer) : null;
  const onRows = live
    ? windowRowsPublisher(live, new Map(config.windows.map((w) => [windowTableName(w.name), w.name])))
    : undefined;

  const newRun = async (): Promise<Run> => {
    const source = createSource(config.source, logger);
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
    const pipeline = new Pipeline({
      config,
      source,
      sink,
      deadLetter,
      store,
      metrics,
      logger,
      stages,
      onRows,
    });
    return { source, pipeline, learner, drift };
  };
  let run = await newRun();

  const stopObserving = startObserving(config, () => run, metrics, live);
  let app: FastifyInstance | null = null;
  if (apiOn) {
    const ctx: ServiceContext = {
      pipeline: config.pipeline,
      windows: run.pipeline.windows, // compiled from the config: the same across restarts
      sink,
      metrics,
      stats: () => ({ ...run.pipeline.stats }),
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
        source: await check(() => run.source.ping(), run.pipeline.health.get('source')),
        sink: await check(() => sink.ping(), run.pipeline.health.get('sink')),
        checkpoint: await check(() => store.ping(), run.pipeline.health.get('checkpoint')),
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
   * Runs the pipeline; when it loses its lease without another instance taking over (a long GC
   * pause, a store outage longer than the lease), it restarts from its last checkpoint instead of
   * exiting: the fencing token already refused anything the stale run tried to write.
   */
  const supervise = async (): Promise<PipelineStats> => {
    for (;;) {
      try {
        if (modelLease) await modelLease.start();
        return await run.pipeline.run();
      } catch (err) {
        if (stopped || !(err instanceof StreamlearnError && err.code === 'SL_ERR_LEASE_LOST')) throw err;
        logger.warn('a lease was lost: restarting the pipeline from its last checkpoint');
        await run.drift?.close?.().catch(() => undefined);
        run = await newRun();
      }
    }
  };
  const done = supervise().finally(async () => {
    await deadLetter.close().catch(() => undefined);
  });
  const stop = async (): Promise<void> => {
    stopped = true;
    stopObserving();
    run.pipeline.stop();
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
