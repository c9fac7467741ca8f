import type { DriftConfig, DriftMeasureName } from '../../core/config/drift.js';
import type { Event, FieldValue } from '../../core/event.js';
import type { DriftState, FeatureDrift } from '../../api/context.js';
import type { Row } from '../../sinks/sink.js';
import { makeAlert, type Alert, type AlertState } from '../alerts/alert.js';
import type { DetectorState, DriftDetector, Json } from '../detector.js';
import { createDetector, restoreDetector, type DetectorName } from '../detectors/index.js';
import { FeatureTracker, type CurrentWindow, type FeatureKind } from './feature.js';
import { fieldReader, numberReader, type FieldReader, type NumberReader } from '../../core/field-reader.js';
import { classify, resolveThresholds, thresholdOf, type Thresholds } from './thresholds.js';

/** Streams the learner pushes into the monitor (see {@link DriftMonitor.observeValue}). */
export type LearnerStream = 'prediction' | 'error';

/** What the monitor asks of the learner when drift is confirmed. */
export type DriftReaction = 'reset' | 'new-version';

/**
 * Implemented by the learner (src/online) to react to drift. Called synchronously, in event order,
 * while the event that raised the alert is being processed (so a replay reacts at the same event):
 * `reset` = start the model afresh; `new-version` = the same, but the pre-drift model is first
 * published as a version of its own, to roll back to. It must not throw; it runs on the ingest path, so keep it cheap.
 */
export interface DriftReactionHandler {
  onDrift(reaction: DriftReaction, alert: Alert): void;
}

/** Pseudo-feature of the dataset-level verdict in scores and alerts. */
export const DATASET_FEATURE = '_dataset';
export const DATASET_MEASURE = 'drift-share';

interface Episode {
  state: DriftState;
  /** Highest state alerted in the open episode (`ok` = no open episode). */
  alerted: DriftState;
  /** Event time since which the state has been `ok` while an episode is open. */
  okSince: number | null;
}

interface DetectorSlot {
  stream: string;
  detector: DriftDetector;
  /** Start (event time) and size of the segment since the last detection. */
  start: number | null;
  count: number;
  lastDetection: number | null;
  alerted: boolean;
}

interface Monitored {
  tracker: FeatureTracker;
  thresholds: Thresholds[];
  /** Event fields count toward the dataset verdict; the learner's streams do not. */
  inDataset: boolean;
}

const RANK: Record<DriftState, number> = { ok: 0, warning: 1, drift: 2 };

export interface DriftMonitorOptions {
  pipeline: string;
  config: DriftConfig;
  /** Reference events, required when `config.reference.type` is `file` (the factory reads the file). */
  referenceEvents?: readonly Event[];
}

/**
 * The drift monitor: per feature (event fields and the learner's prediction/error streams) a
 * reference and a sliding current window, scored every K events or T of event time against
 * per-measure thresholds with hysteresis; an alert episode per (feature, measure) with a cool-down;
 * a dataset-level verdict; streaming detectors on chosen streams. Everything is decided by event
 * time, so a replay raises the same alerts; {@link toJSON}/{@link restore} continue identically.
 *
 * Feeding: the pipeline stage calls {@link observeEvent} per event; the learner calls
 * {@link observeValue} with its prediction and error for each event it processes (before the
 * monitor's stage sees that event, i.e. put the learner stage first, so an evaluation at event e
 * includes e's prediction).
 */
export class DriftMonitor {
  readonly pipeline: string;
  private readonly config: DriftConfig;
  private readonly features: Monitored[] = [];
  private readonly byName = new Map<string, Monitored>();
  private readonly detectors: DetectorSlot[] = [];
  private readonly episodes = new Map<string, Episode>();
  private readonly alertListeners: ((alert: Alert) => void)[] = [];
  private readonly reactions: DriftReactionHandler[] = [];
  private readonly everyEvents: number;
  private readonly everyMs: number;
  private readonly coolDown: number;
  private sinceEval = 0;
  private nextEvalAt: number | null = null;
  private maxTs = -Infinity;
  private seq = 0;
  private latest = new Map<string, FeatureDrift>();
  private lastSummary = { driftedShare: 0, datasetDrift: false, evaluatedAt: null as number | null };
  private rows: Row[] = [];
  /** Event features read per event, copied out of `features` for the hot loop. */
  private readonly numericTrackers: FeatureTracker[];
  private readonly categoricalTrackers: FeatureTracker[];
  private readonly eventDetectors: DetectorSlot[];
  /** The event fields {@link observeEvent} reads (features, fields watched by detectors). */
  readonly eventFields: readonly string[];
  /** Read the event features' values into `numbers` and `others`, in the trackers' order. */
  private readonly readNumbers: NumberReader;
  private readonly readOthers: FieldReader;
  private readonly numbers: Float64Array;
  private readonly others: (FieldValue | undefined)[];

  constructor(options: DriftMonitorOptions) {
    const { config } = options;
    this.pipeline = options.pipeline;
    this.config = config;
    this.everyEvents = 'everyEvents' in config.evaluate ? config.evaluate.everyEvents : 0;
    this.everyMs = 'every' in config.evaluate ? config.evaluate.every : 0;
    this.coolDown = config.coolDown;
    const window: CurrentWindow =
      config.window.type === 'count'
        ? { type: 'count', size: config.window.size }
        : { type: 'time', size: config.window.size, minCount: config.window.minCount };
    const fromFile = config.reference.type === 'file';
    const refTarget = config.reference.type === 'first' ? config.reference.events : 0;
    const add = (name: string, kind: FeatureKind, inDataset: boolean): void => {
      const measures = kind === 'numeric' ? config.measures.numeric : config.measures.categorical;
      const tracker = new FeatureTracker(name, kind, measures, config.bins, window, refTarget);
      const thresholds = measures.map((m) =>
        resolveThresholds(m, name, config.thresholds, config.featureThresholds),
      );
      const entry = { tracker, thresholds, inDataset };
      this.features.push(entry);
      this.byName.set(name, entry);
    };
    for (const f of config.numeric) add(f, 'numeric', true);
    for (const f of config.categorical) add(f, 'categorical', true);
    if (config.prediction !== 'off') add('prediction', config.prediction, false);
    if (config.error) add('error', 'numeric', false);
    for (const d of config.detectors)
      this.detectors.push({
        stream: d.stream,
        detector: createDetector(d.detector as DetectorName, d.options as never),
        start: null,
        count: 0,
        lastDetection: null,
        alerted: false,
      });
    const eventTrackers = this.features.filter((f) => f.inDataset).map((f) => f.tracker);
    this.numericTrackers = eventTrackers.filter((t) => t.kind === 'numeric');
    this.categoricalTrackers = eventTrackers.filter((t) => t.kind === 'categorical');
    this.readNumbers = numberReader(this.numericTrackers.map((t) => t.name));
    this.readOthers = fieldReader(this.categoricalTrackers.map((t) => t.name));
    this.numbers = new Float64Array(this.numericTrackers.length);
    this.others = this.categoricalTrackers.map(() => undefined);
    this.eventDetectors = this.detectors.filter((d) => d.stream !== 'prediction' && d.stream !== 'error');
    this.eventFields = [...eventTrackers.map((t) => t.name), ...this.eventDetectors.map((d) => d.stream)];
    if (fromFile) this.setReferenceEvents(options.referenceEvents ?? []);
  }

  /** Feeds one event's monitored fields (the pipeline stage calls this for every accepted event). */
  observeEvent(event: Event): void {
    const ts = event.ts;
    const numbers = this.numbers;
    const others = this.others;
    this.readNumbers(event, numbers);
    this.readOthers(event, others);
    const numeric = this.numericTrackers;
    for (let i = 0; i < numeric.length; i++) numeric[i]!.observeNumber(numbers[i]!, ts);
    const categorical = this.categoricalTrackers;
    for (let i = 0; i < categorical.length; i++) categorical[i]!.observe(others[i], ts);
    for (const slot of this.eventDetectors) this.feedDetector(slot, event[slot.stream], ts);
    if (ts > this.maxTs) this.maxTs = ts;
    if (this.everyEvents > 0) {
      if (++this.sinceEval >= this.everyEvents) {
        this.sinceEval = 0;
        this.evaluate(this.maxTs);
      }
    } else {
      if (this.nextEvalAt === null) this.nextEvalAt = this.nextBoundary(this.maxTs);
      if (this.maxTs >= this.nextEvalAt) {
        this.evaluate(this.maxTs);
        this.nextEvalAt = this.nextBoundary(this.maxTs);
      }
    }
  }

  /**
   * The learner's push: its prediction or its error (0/1 misclassified for classifiers, absolute
   * error for regressors) for the event at event time `ts`. Streams not enabled in the config are
   * ignored, so the learner may always push.
   */
  observeValue(stream: LearnerStream, value: FieldValue, ts: number): void {
    this.byName.get(stream)?.tracker.observe(value, ts);
    for (const slot of this.detectors) if (slot.stream === stream) this.feedDetector(slot, value, ts);
  }

  /** Subscribes to raised alerts (called synchronously, in event order). */
  onAlert(listener: (alert: Alert) => void): () => void {
    this.alertListeners.push(listener);
    return () => this.alertListeners.splice(this.alertListeners.indexOf(listener) >>> 0, 1);
  }

  /** Registers the learner's reaction hook; it is called only when `reaction` is not `none`. */
  onDrift(handler: DriftReactionHandler): () => void {
    this.reactions.push(handler);
    return () => this.reactions.splice(this.reactions.indexOf(handler) >>> 0, 1);
  }

  /**
   * Makes each feature's current window its reference (bins re-cut at its quantiles). Returns the
   * features pinned (those with at least two values in their window).
   */
  pinReference(): string[] {
    return this.features.filter((f) => f.tracker.pin()).map((f) => f.tracker.name);
  }

  /** Latest score of each (feature, measure), the dataset verdict included. */
  scores(): FeatureDrift[] {
    return [...this.latest.values()];
  }

  summary(): { driftedShare: number; datasetDrift: boolean; evaluatedAt: number | null } {
    return { ...this.lastSummary };
  }

  /** `drift_scores` rows since the last call. */
  drainScores(): Row[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  private nextBoundary(ts: number): number {
    return Math.floor(ts / this.everyMs) * this.everyMs + this.everyMs;
  }

  private setReferenceEvents(events: readonly Event[]): void {
    for (const f of this.features) {
      const name = f.tracker.name;
      const numeric = f.tracker.kind === 'numeric';
      const values: (number | string)[] = [];
      let start = Infinity;
      let end = -Infinity;
      for (const e of events) {
        const v = e[name];
        if (numeric ? typeof v !== 'number' || !Number.isFinite(v) : v === null || v === undefined) continue;
        values.push(numeric ? (v as number) : String(v));
        if (e.ts < start) start = e.ts;
        if (e.ts > end) end = e.ts;
      }
      if (values.length < 2) {
        if (!f.inDataset) continue; // the learner's streams may be absent from a reference file
        throw new RangeError(`the reference file has fewer than 2 values of "${name}"`);
      }
      f.tracker.setReference(
        numeric ? Float64Array.from(values as number[]) : (values as string[]),
        start,
        end,
      );
    }
  }

  /** Scores every evaluable feature at event time `at`, updates states, raises alerts. */
  private evaluate(at: number): void {
    const version = ++this.seq;
    let evaluated = 0;
    let drifted = 0;
    for (const f of this.features) {
      const t = f.tracker;
      t.advanceTo(at);
      if (!t.evaluable) continue;
      const values = t.evaluate();
      let anyDrift = false;
      for (let i = 0; i < values.length; i++) {
        const state = this.score(t.name, t.measures[i]!, values[i]!, f.thresholds[i]!, at, version, f);
        if (state === 'drift') anyDrift = true;
      }
      if (f.inDataset) {
        evaluated++;
        if (anyDrift) drifted++;
      }
    }
    if (evaluated === 0) return;
    const share = drifted / evaluated;
    const s = this.config.datasetDriftShare;
    const th: Thresholds = { warning: s, drift: s, exitWarning: s, exitDrift: s, pValue: false };
    const state = this.score(DATASET_FEATURE, DATASET_MEASURE, share, th, at, version, null);
    this.lastSummary = { driftedShare: share, datasetDrift: state === 'drift', evaluatedAt: at };
  }

  private score(
    feature: string,
    measure: DriftMeasureName | typeof DATASET_MEASURE,
    value: number,
    th: Thresholds,
    at: number,
    version: number,
    f: Monitored | null,
  ): DriftState {
    const key = `${feature}\u0000${measure}`;
    let ep = this.episodes.get(key);
    if (!ep) this.episodes.set(key, (ep = { state: 'ok', alerted: 'ok', okSince: null }));
    const state = classify(ep.state, value, th);
    ep.state = state;
    const finite = Number.isFinite(value) ? value : null;
    this.latest.set(key, {
      feature,
      measure,
      value: finite ?? Number.NaN,
      threshold: { warning: th.warning, drift: th.drift },
      state,
      evaluatedAt: at,
    });
    const cur = f ? f.tracker.currentBounds : { start: at, end: at, count: 0 };
    const ref = f ? f.tracker.referenceBounds : null;
    this.rows.push({
      pipeline: this.pipeline,
      feature,
      measure,
      evaluatedAt: at,
      version,
      value: finite,
      warning: th.warning,
      drift: th.drift,
      state,
      referenceCount: ref?.count ?? 0,
      currentCount: cur.count,
      windowStart: cur.start,
      windowEnd: cur.end,
    });
    const raise = (s: AlertState, threshold: number): void =>
      this.raise(
        makeAlert({
          pipeline: this.pipeline,
          kind: f ? 'feature' : 'dataset',
          feature,
          measure,
          state: s,
          value: finite,
          threshold,
          reference: ref,
          current: cur,
          eventTime: at,
        }),
      );
    if (state !== 'ok') {
      ep.okSince = null;
      if (RANK[state] > RANK[ep.alerted]) {
        ep.alerted = state;
        raise(state, thresholdOf(state, th, state));
      }
    } else if (ep.alerted !== 'ok') {
      if (ep.okSince === null) ep.okSince = at;
      if (at - ep.okSince >= this.coolDown) {
        const leaving = ep.alerted;
        ep.alerted = 'ok';
        ep.okSince = null;
        raise('resolved', thresholdOf('ok', th, leaving));
      }
    }
    return state;
  }

  private feedDetector(slot: DetectorSlot, v: FieldValue | undefined, ts: number): void {
    const x = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : NaN;
    if (!Number.isFinite(x)) return;
    if (slot.start === null) slot.start = ts;
    slot.count++;
    const detected = slot.detector.update(x).driftDetected;
    const base = {
      pipeline: this.pipeline,
      kind: 'detector' as const,
      feature: slot.stream,
      measure: slot.detector.name,
      value: x,
      threshold: null,
      reference: null,
      eventTime: ts,
    };
    if (detected) {
      const current = { start: slot.start, end: ts, count: slot.count };
      slot.lastDetection = ts;
      slot.start = null;
      slot.count = 0;
      if (!slot.alerted) {
        slot.alerted = true;
        this.raise(makeAlert({ ...base, state: 'drift', current }));
      }
    } else if (slot.alerted && ts - slot.lastDetection! >= this.coolDown) {
      slot.alerted = false;
      this.raise(
        makeAlert({
          ...base,
          state: 'resolved',
          current: { start: slot.lastDetection!, end: ts, count: slot.count },
        }),
      );
    }
  }

  private raise(alert: Alert): void {
    for (const l of this.alertListeners) l(alert);
    if (alert.state !== 'drift' || this.config.reaction === 'none') return;
    const on = alert.kind === 'dataset' ? 'dataset' : alert.feature === 'error' ? 'error' : 'feature';
    if (!this.config.reactOn.includes(on)) return;
    for (const h of this.reactions) h.onDrift(this.config.reaction, alert);
  }

  /** The whole state, for the pipeline checkpoint. */
  toJSON(): Json {
    return {
      format: 1,
      seq: this.seq,
      sinceEval: this.sinceEval,
      nextEvalAt: this.nextEvalAt,
      maxTs: Number.isFinite(this.maxTs) ? this.maxTs : null,
      features: Object.fromEntries(this.features.map((f) => [f.tracker.name, f.tracker.toJSON()])),
      episodes: [...this.episodes].map(([k, e]) => [k, e.state, e.alerted, e.okSince]),
      detectors: this.detectors.map((d) => ({
        stream: d.stream,
        detector: d.detector.toJSON() as unknown as Json,
        start: d.start,
        count: d.count,
        lastDetection: d.lastDetection,
        alerted: d.alerted,
      })),
      latest: [...this.latest.values()].map((s) => ({ ...s, threshold: { ...s.threshold } })) as Json,
      summary: { ...this.lastSummary },
    };
  }

  /** Continues from a {@link toJSON} state of a monitor built with the same config. */
  restore(json: Json): void {
    const s = json as unknown as {
      seq: number;
      sinceEval: number;
      nextEvalAt: number | null;
      maxTs: number | null;
      features: Record<string, Json>;
      episodes: [string, DriftState, DriftState, number | null][];
      detectors: {
        stream: string;
        detector: DetectorState;
        start: number | null;
        count: number;
        lastDetection: number | null;
        alerted: boolean;
      }[];
      latest: FeatureDrift[];
      summary: { driftedShare: number; datasetDrift: boolean; evaluatedAt: number | null };
    };
    this.seq = s.seq;
    this.sinceEval = s.sinceEval;
    this.nextEvalAt = s.nextEvalAt;
    this.maxTs = s.maxTs ?? -Infinity;
    for (const f of this.features) {
      const state = s.features[f.tracker.name];
      if (state !== undefined) f.tracker.restore(state);
    }
    this.episodes.clear();
    for (const [k, state, alerted, okSince] of s.episodes) this.episodes.set(k, { state, alerted, okSince });
    s.detectors.forEach((d, i) => {
      const slot = this.detectors[i];
      if (!slot || slot.stream !== d.stream) return;
      slot.detector = restoreDetector(d.detector);
      slot.start = d.start;
      slot.count = d.count;
      slot.lastDetection = d.lastDetection;
      slot.alerted = d.alerted;
    });
    this.latest = new Map(s.latest.map((x) => [`${x.feature}\u0000${x.measure}`, x]));
    this.lastSummary = { ...s.summary };
    this.rows = [];
  }
}
