import { StreamlearnError } from '../../src/core/errors.js';
import { windowSchema } from '../../src/core/config/windows.js';
import { eventSchemaSchema } from '../../src/core/config/schema.js';
import type { FieldValue } from '../../src/core/event.js';
import { RingLiveFeed } from '../../src/api/live-feed.js';
import type {
  AlertRecord,
  AlertService,
  DriftService,
  FeatureDrift,
  ModelInfo,
  ModelService,
  PredictionResult,
  ServiceContext,
} from '../../src/api/context.js';
import { Metrics } from '../../src/runtime/metrics.js';
import type { Sink, TableSpec } from '../../src/sinks/sink.js';
import { compileWindow, windowTableSpec } from '../../src/windows/window-spec.js';
import { createModel } from '../../src/online/models/index.js';
import type { Classifier } from '../../src/online/model.js';

/** A window `by_region` (tumbling 1 min) grouped by a string `region` and an integer `shard`. */
export function testWindows(): ServiceContext['windows'] {
  const schema = eventSchemaSchema.parse({
    fields: { region: 'string', shard: 'integer', amount: 'number', flag: 'boolean' },
  });
  const config = windowSchema.parse({
    type: 'tumbling',
    name: 'by_region',
    size: '1m',
    groupBy: ['region', 'shard'],
    aggregates: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
  });
  const spec = compileWindow('test', config);
  const flagConfig = windowSchema.parse({
    type: 'tumbling',
    name: 'by_flag',
    size: '1m',
    groupBy: ['flag', 'amount'],
    aggregates: [{ fn: 'count' }],
  });
  const flagSpec = compileWindow('test', flagConfig);
  return [
    { spec, table: windowTableSpec(spec, schema) },
    { spec: flagSpec, table: windowTableSpec(flagSpec, schema) },
  ];
}

/** A sink that answers queries from memory and records what it was asked. */
export class RecordingSink implements Sink {
  readonly kind = 'recording';
  readonly queries: { table: string; options: unknown }[] = [];
  constructor(private readonly rows: Record<string, FieldValue>[] = []) {}
  async ensureTables(_tables: TableSpec[]): Promise<void> {}
  async write(): Promise<void> {}
  async query(table: string, options = {}): Promise<Record<string, FieldValue>[]> {
    this.queries.push({ table, options });
    return this.rows;
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A model service over one real logistic regression, trained a little on `x > 0`. */
export class FakeModelService implements ModelService {
  version = 3;
  readonly model = createModel({ type: 'logistic-regression' }) as Classifier;
  readonly rollbacks: { name: string; version: number }[] = [];
  constructor(readonly name = 'churn') {
    for (let i = 0; i < 200; i++) {
      const x = (i % 20) - 10;
      this.model.learnOne({ x }, x > 0);
    }
  }
  private info(): ModelInfo {
    return {
      name: this.name,
      kind: 'logistic-regression',
      task: 'classification',
      version: this.version,
      role: 'learner',
      eventsSeen: 200,
      metrics: { overall: { accuracy: 0.9, logLoss: 0.3 }, rolling: { accuracy: 0.92, logLoss: 0.28 } },
      versions: [1, 2, 3].map((v) => ({ version: v, createdAt: 1_700_000_000_000 + v })),
    };
  }
  async list(): Promise<ModelInfo[]> {
    return [this.info()];
  }
  async get(name: string): Promise<ModelInfo | undefined> {
    return name === this.name ? this.info() : undefined;
  }
  async predict(
    name: string | undefined,
    instances: Record<string, FieldValue>[],
  ): Promise<PredictionResult[]> {
    if (name !== undefined && name !== this.name)
      throw new StreamlearnError('SL_ERR_NOT_FOUND', `no model named "${name}"`);
    return instances.map((inst) => {
      const x: Record<string, number> = {};
      for (const [k, v] of Object.entries(inst)) {
        if (typeof v === 'number') x[k] = v;
        else if (v !== null && typeof v !== 'boolean' && typeof v !== 'string')
          throw new StreamlearnError('SL_ERR_VALIDATION', `bad feature ${k}`);
      }
      const probabilities = this.model.predictProbaOne(x);
      return { prediction: (probabilities.true ?? 0) >= 0.5, probabilities, version: this.version };
    });
  }
  async rollback(name: string, version: number): Promise<ModelInfo> {
    if (name !== this.name) throw new StreamlearnError('SL_ERR_NOT_FOUND', `no model named "${name}"`);
    if (version < 1 || version > this.version)
      throw new StreamlearnError('SL_ERR_NOT_FOUND', `model ${name} has no version ${version}`);
    this.rollbacks.push({ name, version });
    this.version += 1;
    return this.info();
  }
}

export function featureDrift(feature: string, value: number, at = Date.now()): FeatureDrift {
  const threshold = { warning: 0.1, drift: 0.2 };
  return {
    feature,
    measure: 'psi',
    value,
    threshold,
    state: value >= threshold.drift ? 'drift' : value >= threshold.warning ? 'warning' : 'ok',
    evaluatedAt: at,
  };
}

export class FakeDrift implements DriftService {
  features: FeatureDrift[] = [featureDrift('amount', 0.05), featureDrift('age', 0.01)];
  pins = 0;
  scores(): FeatureDrift[] {
    return this.features;
  }
  summary() {
    const drifted = this.features.filter((f) => f.state === 'drift').length;
    return {
      driftedShare: drifted / this.features.length,
      datasetDrift: drifted / this.features.length >= 0.5,
      evaluatedAt: this.features[0]?.evaluatedAt ?? null,
    };
  }
  async pinReference(): Promise<void> {
    this.pins++;
  }
}

export class FakeAlerts implements AlertService {
  readonly alerts: AlertRecord[] = [];
  add(alert: AlertRecord): void {
    this.alerts.unshift(alert);
  }
  async list(since?: number, limit = 100): Promise<AlertRecord[]> {
    return this.alerts.filter((a) => since === undefined || (a.at as number) >= since).slice(0, limit);
  }
}

/** A context with every service faked; override what a test needs. */
export function fakeContext(overrides: Partial<ServiceContext> = {}): ServiceContext {
  return {
    pipeline: 'test',
    windows: testWindows(),
    sink: new RecordingSink(),
    metrics: new Metrics(false),
    readiness: async () => ({ source: { ok: true }, sink: { ok: true }, checkpoint: { ok: true } }),
    stats: () => ({ records: 0 }),
    models: new FakeModelService(),
    drift: new FakeDrift(),
    alerts: new FakeAlerts(),
    live: new RingLiveFeed(100),
    ...overrides,
  };
}

/** Keys of ≥ 16 characters, as the config demands. */
export const KEY_A = 'key-a-0123456789abcdef';
export const KEY_B = 'key-b-0123456789abcdef';
