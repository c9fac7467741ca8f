import { describe, expect, it } from 'vitest';
import type { Event } from '../../../src/core/event.js';
import type { Alert } from '../../../src/drift/alerts/alert.js';
import type { DriftReaction } from '../../../src/drift/monitor/monitor.js';
import { DriftMonitorStage } from '../../../src/drift/monitor/stage.js';
import {
  ModelBundle,
  decodeVersion,
  type BundleState,
  type OnlineLearner,
  type VersionPayload,
} from '../../../src/online/index.js';
import type { Json, Label } from '../../../src/online/model.js';
import type { Row } from '../../../src/sinks/sink.js';
import type { MemoryCheckpointStore } from '../../../src/state/memory-store.js';
import { learnerConfig, learnerOn, merge } from '../../online/learner/helpers.js';
import { generator, monitor } from './helpers.js';

/**
 * The learner → monitor → learner loop: the learner pushes its error stream to an ADWIN detector,
 * whose alert makes the learner start a fresh model and keep the old one as a version.
 * A slow learning rate makes the old model slow to unlearn the flipped label relation.
 */
const N = 30_000;
const DRIFT_AT = 20_000;
const CHECKPOINT_EVERY = 5_000;
const EVENTS: Event[] = (() => {
  const gen = generator(5, N, { atEvent: DRIFT_AT, widthEvents: 0, shift: 2 });
  return Array.from({ length: N }, () => gen.next());
})();
const CONFIG = learnerConfig({
  features: { numeric: ['x1', 'x2', 'x3', 'x4'] },
  label: 'label',
  model: { type: 'logistic-regression', optimizer: { type: 'sgd', lr: 0.005 } },
  metricsEvery: 100,
  rollingWindow: 200,
});

interface Linked {
  learner: OnlineLearner;
  drift: DriftMonitorStage;
  store: MemoryCheckpointStore;
  checkpointName: string;
  alerts: (Alert & { index: number })[];
  rows: Map<string, Row[]>;
  /** Set while an event is being fed. */
  index: number;
}

/** A learner stage then a drift stage (the order the runtime uses), wired both ways. */
async function linked(reaction: DriftReaction | 'none', store?: MemoryCheckpointStore): Promise<Linked> {
  const { stage, store: s, checkpointName } = await learnerOn(CONFIG, store);
  const m = monitor({ detectors: [{ detector: 'adwin', stream: 'error' }], reaction, reactOn: ['error'] });
  const drift = new DriftMonitorStage(m);
  stage.setObserver((stream, value, ts) => m.observeValue(stream, value, ts));
  m.onDrift(stage);
  const link: Linked = {
    learner: stage,
    drift,
    store: s,
    checkpointName,
    alerts: [],
    rows: new Map(),
    index: -1,
  };
  m.onAlert((a) => link.alerts.push({ ...a, index: link.index }));
  return link;
}

/** Feeds events `from..to`; after each CHECKPOINT_EVERY-th event, a checkpoint (snapshot, then publish). */
async function feed(l: Linked, from: number, to: number, onEach?: (i: number) => void): Promise<void> {
  for (let i = from; i < to; i++) {
    l.index = i;
    onEach?.(i);
    l.learner.onEvent(EVENTS[i]!, { partition: 'gen:0', offset: String(i) }, Number.NEGATIVE_INFINITY);
    l.drift.onEvent(EVENTS[i]!);
    if ((i + 1) % CHECKPOINT_EVERY === 0) {
      merge(l.rows, l.learner.drainRows());
      l.learner.snapshot();
      l.drift.snapshot(); // seals the alerts its afterCheckpoint hands over
      await l.learner.afterCheckpoint();
      await l.drift.afterCheckpoint();
    }
  }
  merge(l.rows, l.learner.drainRows());
}

async function versions(l: Linked): Promise<VersionPayload[]> {
  const out: VersionPayload[] = [];
  for (const v of await l.store.listVersions(l.checkpointName))
    out.push(decodeVersion(l.checkpointName, (await l.store.loadVersion(l.checkpointName, v.version))!));
  return out;
}

/** Mean of `accuracy_rolling` over metric rows whose last event lies in [from, to). */
function rollingAccuracy(rows: Row[], from: number, to: number): number {
  const tsFrom = EVENTS[from]!.ts;
  const tsTo = EVENTS[to]!.ts;
  const picked = rows.filter(
    (r) => (r.evaluated_at as number) >= tsFrom && (r.evaluated_at as number) < tsTo,
  );
  return picked.reduce((s, r) => s + (r.accuracy_rolling as number), 0) / picked.length;
}

describe('learner ↔ drift monitor', () => {
  it('an error-stream alert after the drift resets the learner at that event; accuracy recovers faster', async () => {
    const reacting = await linked('new-version');
    await feed(reacting, 0, N);
    const plain = await linked('none');
    let before: Json = null;
    const at = reacting.alerts[0]?.index ?? -1;
    await feed(plain, 0, N, (i) => {
      if (i === at) before = plain.learner.bundle.toState() as unknown as Json;
    });

    // one drift alert, from the detector on the learner's error stream, soon after the drift
    const drifts = reacting.alerts.filter((a) => a.state === 'drift');
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({ kind: 'detector', feature: 'error', measure: 'adwin' });
    expect(at).toBeGreaterThanOrEqual(DRIFT_AT);
    expect(at).toBeLessThan(DRIFT_AT + 1_000);
    // the same alert without the reaction: the streams agree up to it
    expect(plain.alerts.filter((a) => a.state === 'drift').map((a) => a.index)).toEqual([at]);

    // the reset happened at that event: the model is a fresh one trained on events at..N only
    expect(reacting.learner.lastDrift).toMatchObject({
      reaction: 'new-version',
      eventsSeen: at + 1,
      alert: drifts[0]!.id,
    });
    const fresh = ModelBundle.create(CONFIG.learner!);
    for (const e of EVENTS.slice(at))
      if (fresh.fillRow(e)) fresh.dense!.learnDense(fresh.row, e.label as Label);
    expect(reacting.learner.bundle.model.toState()).toEqual(fresh.model.toState());
    expect(reacting.learner.eventsSeen).toBe(N); // counters and metrics keep running
    expect(reacting.learner.labelled).toBe(plain.learner.labelled);

    // rolling accuracy: dropped by the drift, back sooner with the reaction, and back to pre-drift level
    const metrics = (l: Linked): Row[] => l.rows.get('model_metrics')!;
    const preDrift = rollingAccuracy(metrics(reacting), DRIFT_AT - 2_000, DRIFT_AT);
    const withReset = rollingAccuracy(metrics(reacting), at + 200, at + 1_500);
    const without = rollingAccuracy(metrics(plain), at + 200, at + 1_500);
    expect(withReset).toBeGreaterThan(without + 0.03);
    expect(rollingAccuracy(metrics(reacting), at + 2_000, N - 1)).toBeGreaterThan(preDrift - 0.05);

    // the pre-drift model is a version of its own, published before the fresh one
    const published = await versions(reacting);
    expect(published.map((v) => [v.metadata.eventsSeen, v.metadata.reason ?? null])).toEqual([
      [5_000, null],
      [10_000, null],
      [15_000, null],
      [20_000, null],
      [at + 1, 'pre-drift'],
      [25_000, 'drift-reset'],
      [30_000, null],
    ]);
    const kept = published[4]!;
    expect((kept.state as { bundle: BundleState }).bundle).toEqual(before);
    expect(kept.metadata.positions).toEqual({ 'gen:0': String(at + 1) });
    const last = published.at(-1)!.state as { bundle: BundleState };
    expect(last.bundle.model).toEqual(reacting.learner.bundle.model.toState());
    // plain learner: a version at each checkpoint, none of them marked
    expect((await versions(plain)).every((v) => v.metadata.reason === undefined)).toBe(true);
  });

  it('snapshot → JSON → restore mid-stream, after the reaction, continues identically', async () => {
    const straight = await linked('new-version');
    await feed(straight, 0, N);
    const at = straight.alerts.find((a) => a.state === 'drift')!.index;
    const straightVersions = await versions(straight);

    // at+1: right after the reacting event (the kept model is only in the snapshot, not yet published)
    for (const cut of [at + 1, 22_345]) {
      const first = await linked('new-version');
      await feed(first, 0, cut);
      const saved = JSON.parse(JSON.stringify({ l: first.learner.snapshot(), d: first.drift.snapshot() }));
      // a crash: the checkpoint at `cut` was written, nothing after it was handed over
      const second = await linked('new-version', first.store);
      second.learner.restore(saved.l);
      second.drift.restore(saved.d);
      second.rows = first.rows;
      await feed(second, cut, N);
      expect(JSON.stringify(second.learner.snapshot())).toBe(JSON.stringify(straight.learner.snapshot()));
      expect(JSON.stringify(second.drift.snapshot())).toBe(JSON.stringify(straight.drift.snapshot()));
      expect(JSON.stringify([...second.rows])).toBe(JSON.stringify([...straight.rows]));
      expect(second.learner.lastDrift).toEqual(straight.learner.lastDrift);
      // the same versions, but for the fencing token of the lease taken after the crash
      const untokened = (vs: VersionPayload[]) =>
        vs.map((v) => ({ ...v, metadata: { ...v.metadata, token: 0 } }));
      expect(untokened(await versions(second))).toEqual(untokened(straightVersions));
    }
  });

  it('reset starts afresh without keeping the old model', async () => {
    const l = await linked('reset');
    await feed(l, 0, N);
    const at = l.alerts.find((a) => a.state === 'drift')!.index;
    expect(l.learner.lastDrift).toMatchObject({ reaction: 'reset', eventsSeen: at + 1 });
    const reasons = (await versions(l)).map((v) => v.metadata.reason ?? null);
    expect(reasons).toEqual([null, null, null, null, 'drift-reset', null]);
    const fresh = ModelBundle.create(CONFIG.learner!);
    for (const e of EVENTS.slice(at))
      if (fresh.fillRow(e)) fresh.dense!.learnDense(fresh.row, e.label as Label);
    expect(l.learner.bundle.model.toState()).toEqual(fresh.model.toState());
  });
});
