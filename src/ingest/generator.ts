import type { EventSchemaConfig, GeneratorSourceConfig } from '../core/config/index.js';
import type { Event } from '../core/event.js';
import { Random } from '../core/random.js';

export const REGIONS = ['eu', 'us', 'apac', 'latam', 'africa'] as const;
export const DEVICES = ['mobile', 'desktop', 'tablet'] as const;
const REGION_WEIGHTS = [0.35, 0.3, 0.2, 0.1, 0.05];
const DRIFTED_REGION_WEIGHTS = [0.1, 0.15, 0.2, 0.25, 0.3];
const DEVICE_WEIGHTS = [0.6, 0.3, 0.1];

/** The fields the generator writes, as a schema the decoder can use. */
export const GENERATOR_SCHEMA: EventSchemaConfig = {
  timeField: 'ts',
  timeFormat: 'epoch_ms',
  keyField: 'user',
  fields: {
    user: 'string',
    region: 'string',
    device: 'string',
    amount: 'number',
    latency_ms: 'number',
    x1: 'number',
    x2: 'number',
    x3: 'number',
    x4: 'number',
    label: 'boolean',
  },
  optional: [],
  maxRecordBytes: 1_048_576,
  minTime: 0,
  maxTime: Date.UTC(2200, 0, 1),
};

/**
 * A seeded synthetic stream: users, a skewed categorical region and device, log-normal amounts,
 * numeric features x1..x4 and a label that depends on them. From `drift.atEvent` on (ramping over
 * `drift.widthEvents`) means shift, the region mix changes and the label's dependence flips on x2,
 * so window aggregates, the learner's error and the drift monitor all see the change.
 */
export class EventGenerator {
  private readonly rng: Random;
  private index = 0;
  private time: number;

  constructor(private readonly cfg: GeneratorSourceConfig) {
    this.rng = new Random(cfg.seed);
    this.time = cfg.startTime;
  }

  /** Index of the next event. */
  get position(): number {
    return this.index;
  }

  /** True when a finite stream has produced every event. */
  get done(): boolean {
    return this.cfg.events > 0 && this.index >= this.cfg.events;
  }

  next(): Event {
    const { rng, cfg } = this;
    const drifted = this.isDrifted();
    const shift = drifted ? (cfg.drift?.shift ?? 0) : 0;
    this.time += cfg.intervalMs * (0.5 + rng.next());
    const jitter = cfg.disorderMs > 0 ? -Math.floor(rng.next() * cfg.disorderMs) : 0;
    const x1 = rng.gaussian() + shift;
    const x2 = rng.gaussian();
    const x3 = rng.gaussian() * 2;
    const x4 = rng.next();
    const logit = drifted ? 1.5 * x1 - 2 * x2 + 0.5 * x3 - 1 * shift : 1.5 * x1 + 2 * x2 + 0.5 * x3;
    const event: Event = {
      ts: Math.floor(this.time) + jitter,
      user: `u${rng.int(cfg.keys)}`,
      region: REGIONS[rng.pick(drifted ? DRIFTED_REGION_WEIGHTS : REGION_WEIGHTS)]!,
      device: DEVICES[rng.pick(DEVICE_WEIGHTS)]!,
      amount: round(Math.exp(3 + 0.8 * rng.gaussian() + 0.4 * shift), 2),
      latency_ms: round(Math.max(1, 120 + 30 * rng.gaussian() + 25 * shift), 1),
      x1: round(x1, 6),
      x2: round(x2, 6),
      x3: round(x3, 6),
      x4: round(x4, 6),
      label: rng.next() < 1 / (1 + Math.exp(-logit)),
    };
    this.index++;
    return event;
  }

  private isDrifted(): boolean {
    const drift = this.cfg.drift;
    if (!drift || this.index < drift.atEvent) return false;
    if (drift.widthEvents === 0) return true;
    // gradual drift: the drifted regime's share grows linearly over widthEvents
    return this.rng.next() < Math.min(1, (this.index - drift.atEvent) / drift.widthEvents);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Partition of a key, stable across runs (FNV-1a), as a producer's key partitioner would do. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
