import { driftSchema, generatorSourceSchema, type DriftConfigInput } from '../../../src/core/config/index.js';
import type { Event } from '../../../src/core/event.js';
import type { Alert } from '../../../src/drift/alerts/alert.js';
import { DriftMonitor } from '../../../src/drift/monitor/monitor.js';
import { EventGenerator } from '../../../src/ingest/generator.js';

/** The generator's eight features, all monitored. */
export const FEATURES: DriftConfigInput = {
  numeric: ['x1', 'x2', 'x3', 'x4', 'amount', 'latency_ms'],
  categorical: ['region', 'device'],
};

export function monitor(config: DriftConfigInput, pipeline = 'test'): DriftMonitor {
  return new DriftMonitor({ pipeline, config: driftSchema.parse(config) });
}

export function generator(
  seed: number,
  events: number,
  drift?: { atEvent: number; widthEvents?: number; shift?: number },
): EventGenerator {
  return new EventGenerator(generatorSourceSchema.parse({ type: 'generator', seed, events, drift }));
}

/** Feeds `n` events, recording each alert with the index of the event that raised it. */
export function run(
  m: DriftMonitor,
  gen: { next(): Event },
  n: number,
  offset = 0,
): { alerts: (Alert & { index: number })[] } {
  const alerts: (Alert & { index: number })[] = [];
  let index = 0;
  const off = m.onAlert((a) => alerts.push({ ...a, index }));
  for (let i = 0; i < n; i++) {
    index = offset + i;
    m.observeEvent(gen.next());
  }
  off();
  return { alerts };
}
