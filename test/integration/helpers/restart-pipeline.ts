import type { PipelineConfigInput } from '../../../src/core/config/index.js';
import { KAFKA_BROKERS } from './services.js';

/**
 * Parts of the pipelines the restart tests (effectively once, the fault suite, scale-out) run and
 * compare table for table with a clean run: windows with every kind of state (sketches, hopping
 * panes, sessions) and a Kafka source whose dead consumer the group notices within seconds.
 */
type WindowInput = NonNullable<PipelineConfigInput['windows']>[number];
type KafkaSourceInput = Extract<PipelineConfigInput['source'], { type: 'kafka' }>;

/** Tumbling 1m by region with sketch aggregates (p95, distinct users). */
export const REGION_1M: WindowInput = {
  name: 'region_1m',
  type: 'tumbling',
  size: '1m',
  groupBy: ['region'],
  aggregates: [
    { fn: 'count' },
    { fn: 'sum', field: 'amount' },
    { fn: 'quantile', field: 'latency_ms', q: 0.95 },
    { fn: 'distinct', field: 'user' },
  ],
};

/** Hopping 5m / 1m by device. */
export const DEVICE_5M: WindowInput = {
  name: 'device_5m',
  type: 'hopping',
  size: '5m',
  slide: '1m',
  groupBy: ['device'],
  aggregates: [{ fn: 'count' }, { fn: 'mean', field: 'x1' }],
};

/** Each user's sessions (30 s gap). */
export const USER_SESSION: WindowInput = {
  name: 'user_session',
  type: 'session',
  gap: '30s',
  groupBy: ['user'],
  aggregates: [{ fn: 'count' }, { fn: 'max', field: 'amount' }],
};

/** A Kafka source whose group notices a killed member after 6 s (the session timeout). */
export function restartableKafkaSource(
  topic: string,
  groupId: string,
  stopWhenIdleMs?: number,
): KafkaSourceInput {
  return {
    type: 'kafka',
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    ...(stopWhenIdleMs === undefined ? {} : { stopWhenIdleMs }),
    sessionTimeoutMs: 6000,
  };
}
