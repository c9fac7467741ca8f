import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/index.js';
import { GENERATOR_SCHEMA } from '../../src/ingest/generator.js';
import { Metrics } from '../../src/runtime/metrics.js';
import { startService } from '../../src/runtime/service.js';

/**
 * The whole service on embedded parts: a generated stream with an abrupt drift flows through a
 * window, the learner and the drift monitor; the API then serves the model (and predicts), the
 * drift scores, the alert raised after the drift, and Prometheus metrics.
 */
describe('service: windows, learner and drift monitor wired together', () => {
  it('learns, detects the injected drift, raises alerts with unique ids, and serves it all over HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-service-'));
    const config = parseConfig(
      {
        pipeline: 'svc',
        source: {
          type: 'generator',
          seed: 21,
          events: 40_000,
          intervalMs: 50,
          keys: 500,
          drift: { atEvent: 20_000, widthEvents: 0, shift: 2 },
        },
        schema: GENERATOR_SCHEMA,
        windows: [
          {
            name: 'region_1m',
            type: 'tumbling',
            size: '1m',
            groupBy: ['region'],
            aggregates: [{ fn: 'count' }, { fn: 'mean', field: 'amount' }],
          },
        ],
        learner: {
          name: 'm',
          features: { numeric: ['x1', 'x2', 'x3', 'x4'], categorical: ['region'] },
          label: 'label',
          model: { type: 'logistic-regression' },
          metricsEvery: 1000,
        },
        drift: {
          numeric: ['x1', 'amount'],
          categorical: ['region'],
          error: true,
          reference: { type: 'first', events: 5000 },
          window: { type: 'count', size: 5000 },
          evaluate: { everyEvents: 1000 },
          reaction: 'new-version',
          alerts: { outboxDir: join(dir, 'alerts'), channels: [{ type: 'table' }, { type: 'log' }] },
        },
        sink: { type: 'duckdb', path: join(dir, 'db.duckdb') },
        deadLetter: { type: 'file', path: join(dir, 'dlq.jsonl') },
        checkpoint: { store: 'file', path: join(dir, 'ckpt'), interval: 200 },
        api: { port: 0 },
      },
      {},
    );
    const service = await startService(config, { metrics: new Metrics(false) });
    try {
      const stats = await service.done;
      expect(stats.accepted).toBe(40_000);
      const app = service.app!;
      const get = async (url: string): Promise<Record<string, unknown>> => {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        return res.json();
      };

      const model = (await get('/v1/models/m')) as {
        version: number | null;
        eventsSeen: number;
        versions: unknown[];
      };
      expect(model.eventsSeen).toBe(40_000);
      expect(model.version).not.toBeNull();
      expect(model.versions.length).toBeGreaterThanOrEqual(2); // the pre-drift model was kept as its own version

      const predict = await app.inject({
        method: 'POST',
        url: '/v1/predict',
        payload: { model: 'm', instance: { x1: 0.5, x2: -1, x3: 0, x4: 0.3, region: 'eu' } },
      });
      expect(predict.statusCode, predict.body).toBe(200);
      const p = predict.json() as {
        prediction: unknown;
        probabilities: Record<string, number>;
        version: number;
      };
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);

      const drift = (await get('/v1/drift')) as { features?: { feature: string; state: string }[] };
      expect(JSON.stringify(drift)).toContain('x1');

      const alerts = (await get('/v1/alerts')) as {
        alerts: { id: string; state?: string; feature?: string }[];
      };
      expect(alerts.alerts.length).toBeGreaterThan(0);
      const ids = alerts.alerts.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);

      const windows = (await get('/v1/windows/region_1m?limit=3')) as { rows: unknown[] };
      expect(windows.rows.length).toBe(3);

      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toContain('streamlearn_events_total');
    } finally {
      await service.stop();
    }
  });
});
