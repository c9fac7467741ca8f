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

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}
