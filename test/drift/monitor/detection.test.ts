import { describe, expect, it } from 'vitest';
import { FEATURES, generator, monitor, run } from './helpers.js';

// Default monitor: PSI 0.1/0.25 on 10 quantile bins, reference = first 5000 values, count windows
// of 5000, evaluated every 1000 events.
const CONFIG = { ...FEATURES, coolDown: '10m' };

describe('drift monitor on generated streams', () => {
  it('raises drift after an abrupt change at event 20 000, and nothing before', () => {
    const m = monitor(CONFIG);
    const { alerts } = run(m, generator(7, 40_000, { atEvent: 20_000 }), 40_000);
    expect(alerts.length).toBeGreaterThan(0);
    expect(Math.min(...alerts.map((a) => a.index))).toBeGreaterThanOrEqual(20_000);
    const drifted = alerts.filter((a) => a.state === 'drift' && a.kind === 'feature');
    // x1 (mean +2σ), amount, latency_ms and the region mix move; x2..x4 and device do not
    expect(new Set(drifted.map((a) => a.feature))).toEqual(new Set(['x1', 'amount', 'latency_ms', 'region']));
    // within one window of the change (the window is then at most ~1/5 drifted values)
    expect(Math.max(...drifted.map((a) => a.index))).toBeLessThan(25_000);
    const dataset = alerts.find((a) => a.kind === 'dataset' && a.state === 'drift');
    expect(dataset).toBeDefined();
    expect(m.summary().datasetDrift).toBe(true);
    // a lasting drift: one drift alert per (feature, measure), no resolved
    expect(drifted.length).toBe(4);
    expect(alerts.filter((a) => a.state === 'resolved')).toEqual([]);
  });

  it('raises drift during a gradual change (20 000 → 40 000), not before it starts', () => {
    const m = monitor(CONFIG);
    const { alerts } = run(m, generator(11, 50_000, { atEvent: 20_000, widthEvents: 20_000 }), 50_000);
    const first = alerts.find((a) => a.state === 'drift');
    expect(first).toBeDefined();
    expect(Math.min(...alerts.map((a) => a.index))).toBeGreaterThanOrEqual(20_000);
    expect(first!.index).toBeLessThan(45_000);
    // gradual: the first alert on x1 is later than for an abrupt change of the same size
    expect(first!.index).toBeGreaterThan(21_000);
  });

  /**
   * The promise: with PSI warning 0.1 / drift 0.25 on 10 quantile bins, reference 5000 and windows
   * of 5000 evaluated every 1000 events, a stationary stream raises ≤ 1 false alert (of any state)
   * per 1M events per feature. Under no drift PSI ≈ χ²₉ · (1/5000 + 1/5000), mean ≈ 0.0036, so
   * 0.1 is χ²₉ ≥ 250 — far below 1e-6 per evaluation; the test allows 0 on 900k events × 8 features.
   */
  it('stays silent on 3 × 300 000 stationary events (false-alarm promise)', () => {
    let alerts = 0;
    let maxPsi = 0;
    for (const seed of [1, 2, 3]) {
      const m = monitor(CONFIG);
      const gen = generator(seed, 300_000);
      m.onAlert(() => alerts++);
      for (let i = 0; i < 300_000; i++) {
        m.observeEvent(gen.next());
        if (i % 1000 === 999)
          for (const s of m.scores()) if (s.measure === 'psi') maxPsi = Math.max(maxPsi, s.value);
      }
    }
    expect(alerts).toBe(0);
    expect(maxPsi).toBeLessThan(0.05);
  });
});
