import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftSchema } from '../../../src/core/config/index.js';
import type { Event } from '../../../src/core/event.js';
import { Random } from '../../../src/core/random.js';
import type { Alert } from '../../../src/drift/alerts/alert.js';
import { DriftMonitor, readReferenceEvents } from '../../../src/drift/monitor/index.js';
import { classify, resolveThresholds } from '../../../src/drift/monitor/thresholds.js';
import { GENERATOR_SCHEMA } from '../../../src/ingest/generator.js';
import { FEATURES, generator, monitor, run } from './helpers.js';

/** One numeric `x` ~ N(shift(i), 1) and a categorical `c`, an event every 100 ms. */
function synthetic(seed: number, shift: (i: number) => number): { next(): Event } {
  const rng = new Random(seed);
  let i = 0;
  return {
    next: () => {
      const s = shift(i);
      const e: Event = {
        ts: 1_000_000 + i * 100,
        x: rng.gaussian() + s,
        c: rng.next() < 0.5 + s / 10 ? 'a' : 'b',
      };
      i++;
      return e;
    },
  };
}

const SMALL = {
  numeric: ['x'],
  categorical: ['c'],
  reference: { type: 'first' as const, events: 2000 },
  window: { type: 'count' as const, size: 1000 },
  evaluate: { everyEvents: 200 },
};

describe('thresholds and hysteresis', () => {
  const psi = resolveThresholds('psi', 'x', {}, {});
  it('defaults: PSI 0.1/0.25 with exits at 80 %; KS p 0.05/0.01 with exits at 2×', () => {
    expect(psi).toMatchObject({ warning: 0.1, drift: 0.25, pValue: false });
    expect(psi.exitWarning).toBeCloseTo(0.08);
    expect(resolveThresholds('ks', 'x', {}, {})).toMatchObject({
      warning: 0.05,
      drift: 0.01,
      exitDrift: 0.02,
    });
  });
  it('per-feature over per-measure over defaults', () => {
    const t = resolveThresholds(
      'psi',
      'x',
      { psi: { warning: 0.2, drift: 0.3 } },
      { x: { psi: { warning: 0.3, drift: 0.5 } } },
    );
    expect(t.drift).toBe(0.5);
    expect(resolveThresholds('psi', 'y', { psi: { warning: 0.2, drift: 0.3 } }, {}).drift).toBe(0.3);
  });
  it('enters at the enter threshold, leaves only past the exit threshold', () => {
    expect(classify('ok', 0.24, psi)).toBe('warning');
    expect(classify('ok', 0.25, psi)).toBe('drift');
    expect(classify('drift', 0.21, psi)).toBe('drift'); // above exitDrift 0.2
    expect(classify('drift', 0.19, psi)).toBe('warning');
    expect(classify('warning', 0.09, psi)).toBe('warning'); // above exitWarning 0.08
    expect(classify('warning', 0.07, psi)).toBe('ok');
    expect(classify('drift', Number.NaN, psi)).toBe('drift');
    const ks = resolveThresholds('ks', 'x', {}, {});
    expect(classify('ok', 0.005, ks)).toBe('drift');
    expect(classify('drift', 0.015, ks)).toBe('drift');
    expect(classify('drift', 0.5, ks)).toBe('ok');
  });
  it('config rejects a drift threshold on the wrong side of the warning one', () => {
    expect(() => driftSchema.parse({ thresholds: { psi: { warning: 0.3, drift: 0.1 } } })).toThrow(/beyond/);
    expect(() => driftSchema.parse({ thresholds: { ks: { warning: 0.05, drift: 0.01 } } })).not.toThrow();
  });
});

describe('alert episodes', () => {
  it('a lasting drift raises one drift alert and one resolved when it ends', () => {
    const m = monitor({ ...SMALL, categorical: [], coolDown: '1m' });
    const { alerts } = run(
      m,
      synthetic(1, (i) => (i >= 10_000 && i < 30_000 ? 1.5 : 0)),
      45_000,
    );
    const states = alerts.map((a) => `${a.feature}:${a.state}`);
    expect(states.filter((s) => s === 'x:drift')).toHaveLength(1);
    expect(states.filter((s) => s === 'x:resolved')).toHaveLength(1);
    expect(states.filter((s) => s === 'x:warning').length).toBeLessThanOrEqual(1);
    const drift = alerts.find((a) => a.feature === 'x' && a.state === 'drift')!;
    const resolved = alerts.find((a) => a.feature === 'x' && a.state === 'resolved')!;
    expect(drift.index).toBeGreaterThanOrEqual(10_000);
    expect(drift.index).toBeLessThan(11_000);
    expect(resolved.index).toBeGreaterThanOrEqual(30_000);
    expect(drift.severity).toBe('critical');
    expect(resolved.severity).toBe('info');
    expect(drift.reference).toEqual({ start: 1_000_000, end: 1_000_000 + 1999 * 100, count: 2000 });
    expect(drift.current.count).toBe(1000);
    expect(drift.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a drift flapping faster than the cool-down stays one episode', () => {
    // 1500 drifted events, 1500 normal, repeated: without cool-down this would be ~10 episodes
    const flap = (i: number) => (i >= 10_000 && i < 40_000 && Math.floor(i / 1500) % 2 === 0 ? 2 : 0);
    const m = monitor({ ...SMALL, categorical: [], coolDown: '10m' });
    const { alerts } = run(m, synthetic(2, flap), 60_000);
    const x = alerts.filter((a) => a.feature === 'x' && a.measure === 'psi');
    expect(x.filter((a) => a.state === 'drift')).toHaveLength(1);
    expect(x.filter((a) => a.state === 'resolved')).toHaveLength(1);
    const noCoolDown = monitor({ ...SMALL, categorical: [], coolDown: 0 });
    const many = run(noCoolDown, synthetic(2, flap), 60_000).alerts.filter((a) => a.state === 'drift');
    expect(many.length).toBeGreaterThan(3);
  });

  it('ids are deterministic: the same stream raises the same alerts', () => {
    const a = run(
      monitor(SMALL),
      synthetic(3, (i) => (i > 8000 ? 1 : 0)),
      20_000,
    ).alerts;
    const b = run(
      monitor(SMALL),
      synthetic(3, (i) => (i > 8000 ? 1 : 0)),
      20_000,
    ).alerts;
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(new Set(a.map((x) => x.id)).size).toBe(a.length);
  });
});

describe('measures, windows and references', () => {
  it('sample measures (KS, Wasserstein) and chi-square score alongside PSI', () => {
    const m = monitor({
      ...SMALL,
      measures: {
        numeric: ['psi', 'ks', 'wasserstein-norm', 'jensen-shannon'],
        categorical: ['chi-square', 'psi'],
      },
    });
    const { alerts } = run(
      m,
      synthetic(4, (i) => (i >= 6000 ? 1 : 0)),
      9000,
    );
    const measures = new Set(
      alerts
        .filter((a) => a.state === 'drift' && a.kind === 'feature')
        .map((a) => `${a.feature}/${a.measure}`),
    );
    // c's share of 'a' moves 0.5 → 0.6: PSI ≈ 0.04 stays below 0.1; chi-square on 1000 values sees it
    expect(measures).toEqual(
      new Set(['x/psi', 'x/ks', 'x/wasserstein-norm', 'x/jensen-shannon', 'c/chi-square']),
    );
    expect(() => monitor({ ...SMALL, measures: { numeric: ['psi'], categorical: ['ks'] } })).toThrow(
      /categorical/,
    );
  });

  it('a time window evaluated every T of event time', () => {
    const m = monitor({
      ...SMALL,
      categorical: [],
      window: { type: 'time', size: '2m', minCount: 500 },
      evaluate: { every: '30s' },
    });
    const rows: number[] = [];
    const { alerts } = run(
      m,
      synthetic(5, (i) => (i >= 10_000 ? 2 : 0)),
      14_000,
    );
    for (const r of m.drainScores()) if (r.feature === 'x') rows.push(r.evaluatedAt as number);
    // one evaluation per 30 s of event time once the reference (2000 events = 200 s) is in
    const gaps = rows.slice(1).map((t, i) => t - rows[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(29_900);
    expect(m.scores().find((s) => s.feature === 'x')!.state).toBe('drift');
    expect(alerts[0]!.index).toBeGreaterThanOrEqual(10_000);
    expect(alerts[0]!.current.count).toBeLessThanOrEqual(1201);
  });

  it('pinReference accepts the new normal: the episode resolves', () => {
    const m = monitor({ ...SMALL, categorical: [], coolDown: 0 });
    const gen = synthetic(6, (i) => (i >= 5000 ? 2 : 0));
    const before = run(m, gen, 8000).alerts;
    expect(before.some((a) => a.state === 'drift')).toBe(true);
    expect(m.pinReference()).toEqual(['x']);
    const after = run(m, gen, 2000).alerts.filter((a) => a.feature === 'x');
    expect(after.map((a) => a.state)).toEqual(['resolved']);
  });

  it('a reference file of events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sl-ref-'));
    const path = join(dir, 'ref.jsonl');
    const gen = generator(8, 3000);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(JSON.stringify({ ...gen.next(), prediction: i % 2 }));
    // with a byte-order mark, as an export from a Windows tool has: not part of the first event
    writeFileSync(path, `\uFEFF${lines.join('\n')}\n`);
    const events = await readReferenceEvents(path, GENERATOR_SCHEMA);
    expect(events).toHaveLength(3000);
    const m = new DriftMonitor({
      pipeline: 't',
      config: driftSchema.parse({
        ...FEATURES,
        prediction: 'categorical',
        reference: { type: 'file', path },
      }),
      referenceEvents: events,
    });
    // no reference collection: evaluations start once the first window is full
    const { alerts } = run(m, generator(9, 20_000, { atEvent: 12_000 }), 20_000);
    expect(m.scores().length).toBeGreaterThan(0);
    expect(Math.min(...alerts.map((a) => a.index))).toBeGreaterThanOrEqual(12_000);
  });
});

describe("the learner's streams, detectors and the reaction hook", () => {
  it('ADWIN on the error stream raises one alert and calls onDrift(reset)', () => {
    const m = monitor({
      ...SMALL,
      numeric: [],
      categorical: [],
      error: true,
      prediction: 'numeric',
      // River's DDM warm start of 30 false-alarms on a 10 % error rate (at event 48 here)
      detectors: [{ detector: 'adwin' }, { detector: 'ddm', options: { warmStart: 1000 } }],
      reaction: 'reset',
      coolDown: '5m',
    });
    const reactions: [string, Alert][] = [];
    m.onDrift({ onDrift: (r, a) => reactions.push([r, a]) });
    const alerts: Alert[] = [];
    m.onAlert((a) => alerts.push(a));
    const rng = new Random(3);
    for (let i = 0; i < 20_000; i++) {
      const ts = 1_000_000 + i * 100;
      const p = i < 10_000 ? 0.1 : 0.4;
      m.observeValue('prediction', rng.next(), ts);
      m.observeValue('error', rng.next() < p ? 1 : 0, ts);
      m.observeEvent({ ts });
    }
    const det = alerts.filter((a) => a.kind === 'detector');
    expect(new Set(det.filter((a) => a.state === 'drift').map((a) => a.measure))).toEqual(
      new Set(['adwin', 'ddm']),
    );
    // nothing before the change; the 5 min cool-down keeps repeated detections in one episode
    for (const a of det) expect(a.current.end).toBeGreaterThanOrEqual(1_000_000 + 10_000 * 100);
    expect(det.filter((a) => a.measure === 'adwin' && a.state === 'drift')).toHaveLength(1);
    // the error stream's PSI too (distribution of 0/1 errors moved)
    expect(alerts.some((a) => a.kind === 'feature' && a.feature === 'error' && a.state === 'drift')).toBe(
      true,
    );
    expect(reactions.length).toBeGreaterThanOrEqual(2);
    expect(reactions.every(([r, a]) => r === 'reset' && a.state === 'drift')).toBe(true);
  });
});

describe('snapshot / restore', () => {
  const config = {
    ...FEATURES,
    prediction: 'numeric' as const,
    error: true,
    measures: {
      numeric: ['psi', 'ks'] as ('psi' | 'ks')[],
      categorical: ['psi', 'chi-square'] as ('psi' | 'chi-square')[],
    },
    reference: { type: 'first' as const, events: 3000 },
    window: { type: 'count' as const, size: 3000 },
    evaluate: { everyEvents: 500 },
    detectors: [{ detector: 'adwin' as const }, { detector: 'page-hinkley' as const, stream: 'x1' }],
    coolDown: '2m',
  };

  function drive(m: DriftMonitor, events: Event[], from: number, to: number, out: unknown[]): void {
    const off = m.onAlert((a) => out.push(a));
    for (let i = from; i < to; i++) {
      const e = events[i]!;
      m.observeValue('prediction', e.x1 as number, e.ts);
      m.observeValue('error', e.label ? 1 : 0, e.ts);
      m.observeEvent(e);
      out.push(...m.drainScores());
    }
    off();
  }

  for (const cut of [4_321, 17_000]) {
    it(`restoring at event ${cut} continues identically (alerts and score rows)`, () => {
      const gen = generator(12, 30_000, { atEvent: 15_000, widthEvents: 3000 });
      const events = Array.from({ length: 30_000 }, () => gen.next());
      const straight: unknown[] = [];
      const whole = monitor(config);
      drive(whole, events, 0, 30_000, straight);
      const resumed: unknown[] = [];
      const first = monitor(config);
      drive(first, events, 0, cut, resumed);
      const state = JSON.parse(JSON.stringify(first.toJSON()));
      const second = monitor(config);
      second.restore(state);
      drive(second, events, cut, 30_000, resumed);
      expect(straight.some((x) => (x as Alert).state === 'drift')).toBe(true);
      expect(resumed).toEqual(straight);
      expect(second.scores()).toEqual(whole.scores());
      expect(second.summary()).toEqual(whole.summary());
    });
  }
});
