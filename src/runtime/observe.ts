import type { LiveFeed } from '../api/context.js';
import { startThroughputReporter } from '../api/live-feed.js';
import type { PipelineConfig } from '../core/config/index.js';
import type { DriftMonitorStage } from '../drift/index.js';
import type { LearnerParts } from '../online/index.js';
import type { Metrics } from './metrics.js';
import type { Pipeline } from './pipeline.js';

/** What the observer reads of the current run (a lost lease replaces the run). */
export interface ObservedRun {
  pipeline: Pipeline;
  learner: LearnerParts | null;
  drift: DriftMonitorStage | null;
}

const STATE_VALUE = { ok: 0, warning: 1, drift: 2 } as const;

/**
 * Once a second: publishes throughput, model metrics and drift scores to the live feed (the
 * dashboard and `/v1/stream`) and mirrors them into Prometheus gauges. Reading state on a timer
 * keeps the per-event path free of observation work. Returns a function that stops it.
 */
export function startObserving(
  config: PipelineConfig,
  run: () => ObservedRun,
  metrics: Metrics,
  live: LiveFeed | null,
): () => void {
  const pipeline = config.pipeline;
  const stopThroughput = live
    ? startThroughputReporter(live, () => {
        const stats = run().pipeline.stats;
        return {
          records: stats.accepted,
          watermarkDelayMs: stats.watermark === null ? null : Date.now() - stats.watermark,
        };
      })
    : () => undefined;
  let lastDriftAt: number | null = null;
  let lastModelEvents = -1;
  let lastLabelled = 0;
  const alertCounts = new Map<string, { delivered: number; failedAttempts: number; deadLettered: number }>();
  const timer = setInterval(() => {
    const { pipeline: p, learner, drift } = run();
    if (p.stats.watermark !== null)
      metrics.watermarkDelay.set({ pipeline }, (Date.now() - p.stats.watermark) / 1000);
    if (learner) void observeModel(learner);
    if (drift) observeDrift(drift);
    if (drift) observeAlerts(drift);
    if (learner) {
      const labelled = learner.stage.labelled;
      const model = learner.stage.modelName;
      if (labelled > lastLabelled) metrics.learnerUpdates.inc({ pipeline, model }, labelled - lastLabelled);
      lastLabelled = labelled;
    }
  }, 1_000);
  timer.unref();

  async function observeModel(learner: LearnerParts): Promise<void> {
    const info = await learner.service.get(learner.stage.modelName).catch(() => undefined);
    if (!info || info.eventsSeen === lastModelEvents) return;
    lastModelEvents = info.eventsSeen;
    const labels = { pipeline, model: info.name };
    for (const scope of ['overall', 'rolling'] as const) {
      const m = info.metrics[scope];
      const accuracy = m.accuracy;
      const loss = m.log_loss ?? m.rmse ?? m.mae;
      if (typeof accuracy === 'number') metrics.prequentialAccuracy.set({ ...labels, scope }, accuracy);
      if (typeof loss === 'number') metrics.prequentialLoss.set({ ...labels, scope }, loss);
    }
    if (info.version !== null) metrics.modelVersion.set(labels, info.version);
    live?.publish('metrics', {
      model: info.name,
      version: info.version,
      eventsSeen: info.eventsSeen,
      at: Date.now(),
      metrics: {
        accuracy: info.metrics.rolling.accuracy ?? null,
        logLoss: info.metrics.rolling.log_loss ?? null,
        ...info.metrics.rolling,
      },
    });
  }

  function observeDrift(drift: DriftMonitorStage): void {
    const summary = drift.summary();
    if (summary.evaluatedAt === null || summary.evaluatedAt === lastDriftAt) return;
    lastDriftAt = summary.evaluatedAt;
    const features = drift.scores();
    for (const f of features) {
      metrics.driftScore.set({ pipeline, feature: f.feature, measure: f.measure }, f.value);
      metrics.driftState.set({ pipeline, feature: f.feature }, STATE_VALUE[f.state]);
    }
    live?.publish('drift', { at: summary.evaluatedAt, features, summary });
  }

  /** Alert deliveries by channel and outcome, from the outboxes' counters. */
  function observeAlerts(drift: DriftMonitorStage): void {
    for (const outbox of drift.dispatcher?.outboxes ?? []) {
      const channel = outbox.channel.name;
      const prev = alertCounts.get(channel) ?? { delivered: 0, failedAttempts: 0, deadLettered: 0 };
      const now = { ...outbox.stats };
      const outcomes = [
        ['sent', now.delivered - prev.delivered],
        ['failed', now.failedAttempts - prev.failedAttempts],
        ['dead_letter', now.deadLettered - prev.deadLettered],
      ] as const;
      for (const [outcome, delta] of outcomes)
        if (delta > 0) metrics.alerts.inc({ pipeline, channel, outcome }, delta);
      alertCounts.set(channel, now);
    }
  }

  return () => {
    clearInterval(timer);
    stopThroughput();
  };
}
