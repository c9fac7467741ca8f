import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { DependencyCheck, ServiceContext } from '../api/context.js';
import type { PipelineConfig } from '../core/config/index.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createDeadLetterOutput, createSource } from '../ingest/index.js';
import { createSink } from '../sinks/index.js';
import type { Sink } from '../sinks/sink.js';
import { createCheckpointStore } from '../state/index.js';
import { Metrics } from './metrics.js';
import { StreamlearnError } from '../core/errors.js';
import { Pipeline, type PipelineStats } from './pipeline.js';

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
  pipeline: Pipeline;
  app: FastifyInstance | null;
  /** Resolves when the pipeline ends (finite input) or stops. */
  done: Promise<PipelineStats>;
  stop(): Promise<void>;
}

/** Wires a pipeline from its config and starts it (and the API). */
export async function startService(config: PipelineConfig, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? new Metrics();
  const sink = options.sink ?? createSink(config.sink);
  const deadLetter = createDeadLetterOutput(config.deadLetter, config.source, logger);
  const store = createCheckpointStore(config.checkpoint);
  let source = createSource(config.source, logger);
  let pipeline = new Pipeline({ config, source, sink, deadLetter, store, metrics, logger });
  let stopped = false;

  let app: FastifyInstance | null = null;
  if (options.api ?? config.api.enabled) {
    const ctx: ServiceContext = {
      pipeline: config.pipeline,
      windows: pipeline.windows, // compiled from the config: the same across restarts
      sink,
      metrics,
      stats: () => ({ ...pipeline.stats }),
      readiness: async () => ({
        source: await check(() => source.ping(), pipeline.health.get('source')),
        sink: await check(() => sink.ping(), pipeline.health.get('sink')),
        checkpoint: await check(() => store.ping(), pipeline.health.get('checkpoint')),
      }),
    };
    app = await buildApp(ctx, config.api);
    await app.listen({ host: config.api.host, port: config.api.port });
    if (config.api.apiKeys.length === 0) {
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
        return await pipeline.run();
      } catch (err) {
        if (stopped || !(err instanceof StreamlearnError && err.code === 'SL_ERR_LEASE_LOST')) throw err;
        logger.warn('pipeline lease lost: restarting from the last checkpoint');
        source = createSource(config.source, logger);
        pipeline = new Pipeline({ config, source, sink, deadLetter, store, metrics, logger });
      }
    }
  };
  const done = supervise().finally(async () => {
    await deadLetter.close().catch(() => undefined);
  });
  const stop = async (): Promise<void> => {
    stopped = true;
    pipeline.stop();
    await done.catch(() => undefined);
    await app?.close();
    await sink.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
  return {
    get pipeline() {
      return pipeline;
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
