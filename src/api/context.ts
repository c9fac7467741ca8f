import type { FieldValue } from '../core/event.js';
import type { Metrics } from '../runtime/metrics.js';
import type { Sink, TableSpec } from '../sinks/sink.js';
import type { WindowSpec } from '../windows/window-spec.js';

export interface DependencyCheck {
  ok: boolean;
  detail?: string;
}

/** One answer of `POST /v1/predict`. */
export interface PredictionResult {
  prediction: FieldValue;
  /** Classifiers: probability per label (labels as strings). */
  probabilities?: Record<string, number>;
  /** Model version that answered. */
  version: number;
}

export interface ModelVersionInfo {
  version: number;
  createdAt: number;
  eventsSeen?: number;
  metrics?: Record<string, number | null>;
}

export interface ModelInfo {
  name: string;
  kind: string;
  task: 'classification' | 'regression';
  /** Version currently served. */
  version: number | null;
  /** Whether this instance holds the lease (learns) or only serves. */
  role: 'learner' | 'replica';
  eventsSeen: number;
  /** Prequential metrics: overall and rolling. */
  metrics: { overall: Record<string, number | null>; rolling: Record<string, number | null> };
  versions: ModelVersionInfo[];
}

/** What the API needs of the online learner (implemented in src/online). */
export interface ModelService {
  list(): Promise<ModelInfo[]>;
  get(name: string): Promise<ModelInfo | undefined>;
  /** Predicts with the named model (or the only one); throws SL_ERR_NOT_FOUND / SL_ERR_VALIDATION. */
  predict(name: string | undefined, instances: Record<string, FieldValue>[]): Promise<PredictionResult[]>;
  /** Makes an old version the newest (history kept); returns the new state. */
  rollback(name: string, version: number): Promise<ModelInfo>;
}

export type DriftState = 'ok' | 'warning' | 'drift';

export interface FeatureDrift {
  feature: string;
  measure: string;
  value: number;
  threshold: { warning: number; drift: number };
  state: DriftState;
  /** Event time of the evaluation. */
  evaluatedAt: number;
}

/** What the API needs of the drift monitor (implemented in src/drift). */
export interface DriftService {
  scores(): FeatureDrift[];
  /** Share of drifted features and the dataset-level verdict. */
  summary(): { driftedShare: number; datasetDrift: boolean; evaluatedAt: number | null };
  /** Pins the current window as the new reference. */
  pinReference(): Promise<void>;
}

export interface AlertRecord {
  id: string;
  [field: string]: unknown;
}

export interface AlertService {
  /** Alerts raised at or after `since` (event time, epoch ms), newest first. */
  list(since?: number, limit?: number): Promise<AlertRecord[]>;
}

/**
 * Payloads the dashboard understands, by live event type. `LiveFeed.publish` takes `unknown` so a
 * producer is never blocked by a type, but these are the shapes the runtime should publish.
 */
export interface LivePayloads {
  /** Rows a window emitted (Pipeline `onRows`); see {@link windowRowsPublisher}. */
  window: { window: string; rows: Record<string, FieldValue>[] };
  /** A model's prequential metrics after some learning (learner). */
  metrics: {
    model: string;
    version: number | null;
    eventsSeen: number;
    /** Wall time, epoch ms. */
    at: number;
    /** e.g. `{ accuracy, logLoss }` (rolling) for classifiers, `{ mae, rmse }` for regressors. */
    metrics: Record<string, number | null>;
  };
  /** One evaluation of the drift monitor. */
  drift: { at: number; features: FeatureDrift[]; summary?: ReturnType<DriftService['summary']> };
  /** An alert as {@link AlertService.list} returns it. */
  alert: AlertRecord;
  /** Throughput once a second; see `startThroughputReporter` in live-feed.ts. */
  throughput: {
    at: number;
    eventsPerSecond: number;
    /** Records behind, per partition. */
    lag?: Record<string, number>;
    watermarkDelayMs?: number | null;
  };
}

/** One message of the live stream (`GET /v1/stream`). */
export interface LiveEvent {
  id: number;
  type: 'window' | 'metrics' | 'drift' | 'alert' | 'throughput';
  data: unknown;
}

/** A bounded replayable feed of live events for SSE (reconnect with Last-Event-ID). */
export interface LiveFeed {
  publish(type: LiveEvent['type'], data: unknown): void;
  /** Events after `lastId` still in the buffer. */
  since(lastId: number): LiveEvent[];
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/** What the API reads from the running service; built by the runtime, faked in route tests. */
export interface ServiceContext {
  pipeline: string;
  windows: { spec: WindowSpec; table: TableSpec }[];
  sink: Sink;
  metrics: Metrics;
  readiness(): Promise<Record<string, DependencyCheck>>;
  stats(): Record<string, unknown>;
  models?: ModelService;
  drift?: DriftService;
  alerts?: AlertService;
  live?: LiveFeed;
}
