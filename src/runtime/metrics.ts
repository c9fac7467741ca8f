import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, on one registry per process (served at /metrics). */
export class Metrics {
  readonly registry = new Registry();
  readonly events = new Counter({
    name: 'streamlearn_events_total',
    help: 'Records seen, by outcome (accepted, rejected, late).',
    labelNames: ['pipeline', 'outcome'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'streamlearn_dead_letters_total',
    help: 'Records sent to the dead-letter output, by reason.',
    labelNames: ['pipeline', 'reason'],
    registers: [this.registry],
  });
  readonly lateEvents = new Counter({
    name: 'streamlearn_late_events_total',
    help: 'Events beyond allowed lateness, by window.',
    labelNames: ['pipeline', 'window'],
    registers: [this.registry],
  });
  readonly windowRows = new Counter({
    name: 'streamlearn_window_rows_total',
    help: 'Window rows emitted.',
    labelNames: ['pipeline', 'window'],
    registers: [this.registry],
  });
  readonly watermarkDelay = new Gauge({
    name: 'streamlearn_watermark_delay_seconds',
    help: 'Wall time minus the pipeline watermark.',
    labelNames: ['pipeline'],
    registers: [this.registry],
  });
  readonly openWindows = new Gauge({
    name: 'streamlearn_open_windows',
    help: 'Window-group states held in memory.',
    labelNames: ['pipeline', 'window'],
    registers: [this.registry],
  });
  readonly sinkWrite = new Histogram({
    name: 'streamlearn_sink_write_duration_seconds',
    help: 'Duration of durable sink writes.',
    labelNames: ['pipeline', 'sink'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly sinkFailures = new Counter({
    name: 'streamlearn_sink_failures_total',
    help: 'Failed sink write attempts (each is retried).',
    labelNames: ['pipeline', 'sink'],
    registers: [this.registry],
  });
  readonly checkpoint = new Histogram({
    name: 'streamlearn_checkpoint_duration_seconds',
    help: 'Duration of checkpoints (flush, save, commit).',
    labelNames: ['pipeline'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly checkpointFailures = new Counter({
    name: 'streamlearn_checkpoint_failures_total',
    help: 'Failed checkpoint attempts (each is retried).',
    labelNames: ['pipeline'],
    registers: [this.registry],
  });

  // ── added for the API, the learner and the drift monitor (each says who records it) ──
  /** Records behind the newest offset, per partition (recorded by the runtime from the source). */
  readonly consumerLag = new Gauge({
    name: 'streamlearn_consumer_lag_records',
    help: 'Records between the committed position and the newest offset, per partition.',
    labelNames: ['pipeline', 'partition'],
    registers: [this.registry],
  });
  /** Wall time from a window's end to its rows being emitted, once per window end (recorded by the runtime). */
  readonly windowEmitLatency = new Histogram({
    name: 'streamlearn_window_emit_latency_seconds',
    help: 'Wall time from the end of a window to the emission of its rows (one observation per window end emitted).',
    labelNames: ['pipeline', 'window'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  /** Examples learned (recorded by the learner). */
  readonly learnerUpdates = new Counter({
    name: 'streamlearn_learner_updates_total',
    help: 'Examples the online learner learned from, by model.',
    labelNames: ['pipeline', 'model'],
    registers: [this.registry],
  });
  /** Prequential accuracy, overall and rolling (recorded by the learner). */
  readonly prequentialAccuracy = new Gauge({
    name: 'streamlearn_prequential_accuracy_ratio',
    help: 'Prequential (test-then-train) accuracy of a classifier, by scope (overall, rolling).',
    labelNames: ['pipeline', 'model', 'scope'],
    registers: [this.registry],
  });
  /** Prequential loss: log loss for classifiers, squared error for regressors (recorded by the learner). */
  readonly prequentialLoss = new Gauge({
    name: 'streamlearn_prequential_loss',
    help: 'Prequential loss (log loss for classifiers, MSE for regressors), by scope (overall, rolling).',
    labelNames: ['pipeline', 'model', 'scope'],
    registers: [this.registry],
  });
  /** Current model version served (recorded by the learner/serving). */
  readonly modelVersion = new Gauge({
    name: 'streamlearn_model_version',
    help: 'Model version currently served.',
    labelNames: ['pipeline', 'model'],
    registers: [this.registry],
  });
  /** Drift score per feature and measure (recorded by the drift monitor). */
  readonly driftScore = new Gauge({
    name: 'streamlearn_drift_score',
    help: 'Latest drift score of a feature (reference vs current window), by measure.',
    labelNames: ['pipeline', 'feature', 'measure'],
    registers: [this.registry],
  });
  /** Drift state per feature: 0 ok, 1 warning, 2 drift (recorded by the drift monitor). */
  readonly driftState = new Gauge({
    name: 'streamlearn_drift_state',
    help: 'Drift state of a feature: 0 ok, 1 warning, 2 drift.',
    labelNames: ['pipeline', 'feature'],
    registers: [this.registry],
  });
  /** Alert deliveries by channel and outcome: sent, failed, dead_letter (recorded by the alert channels). */
  readonly alerts = new Counter({
    name: 'streamlearn_alerts_total',
    help: 'Alert deliveries by channel and outcome (sent, failed, dead_letter).',
    labelNames: ['pipeline', 'channel', 'outcome'],
    registers: [this.registry],
  });
  /** Duration of one predict call to the model service (recorded by the API). */
  readonly predictLatency = new Histogram({
    name: 'streamlearn_predict_duration_seconds',
    help: 'Duration of POST /v1/predict model calls, by model and mode (single, batch).',
    labelNames: ['model', 'mode'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  /** Predictions served (recorded by the API). */
  readonly predictions = new Counter({
    name: 'streamlearn_predictions_total',
    help: 'Instances predicted through the API, by model.',
    labelNames: ['model'],
    registers: [this.registry],
  });
  /** HTTP requests by route pattern and status (recorded by the API). */
  readonly httpRequests = new Counter({
    name: 'streamlearn_http_requests_total',
    help: 'HTTP requests, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  /** HTTP request duration (recorded by the API). */
  readonly httpDuration = new Histogram({
    name: 'streamlearn_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  /** Open live-stream (SSE) connections (recorded by the API). */
  readonly sseClients = new Gauge({
    name: 'streamlearn_sse_clients',
    help: 'Open GET /v1/stream connections.',
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}
