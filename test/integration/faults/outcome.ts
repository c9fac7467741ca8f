import { Redis } from 'ioredis';
import type { Alert } from '../../../src/drift/alerts/index.js';
import { decodeVersion, modelCheckpointName } from '../../../src/online/index.js';
import { RedisCheckpointStore } from '../../../src/state/index.js';
import { finalRows } from '../helpers/clickhouse-tables.js';
import { REDIS_URL } from '../helpers/services.js';
import { MODEL, TABLES } from './fault-pipeline.js';
import type { WebhookReceiver } from './webhook-receiver.js';

/**
 * What a run left behind, with everything that names the run (pipeline, topic, alert ids, which
 * hash the pipeline name) taken out, so runs under different names compare equal when they
 * computed the same thing.
 */
export interface RunOutcome {
  tables: Record<string, string[]>;
  /** Alert ids in the `alerts` table: every one must reach the webhook. */
  alertIds: string[];
  /** Alerts the webhook accepted (2xx), run-neutral JSON, sorted. */
  delivered: string[];
  /** 2xx answers beyond the first per alert id (a resend after a crash right after delivery). */
  redelivered: number;
  /** Alerts accepted that are not in the `alerts` table. */
  unknownDelivered: string[];
  /** The newest model version: its learner state, run-neutral. */
  model: ModelState;
}

export interface ModelState {
  version: number;
  eventsSeen: number;
  labelled: number;
  /** The learner's full state as JSON (model, scaler, metrics, counters, positions by partition). */
  json: string;
  /** The model's weights by feature, for reporting how far two states are apart. */
  weights: Record<string, number>;
}

/** Ids of the alerts the run recorded in its `alerts` table. */
export async function alertIds(pipeline: string): Promise<string[]> {
  return (await finalRows(pipeline, 'alerts')).map((r) => (JSON.parse(r) as { id: string }).id);
}

export async function collectOutcome(pipeline: string, receiver: WebhookReceiver): Promise<RunOutcome> {
  const tables: Record<string, string[]> = {};
  for (const table of TABLES) tables[table] = await finalRows(pipeline, table, ['pipeline'], neutralAlertRow);
  const ids = await alertIds(pipeline);
  const log = receiver.log(pipeline);
  const known = new Set(ids);
  const accepted = [...log.accepted.values()];
  return {
    tables,
    alertIds: ids,
    delivered: accepted.map((a) => JSON.stringify(neutralAlert(a.alert))).sort(),
    redelivered: accepted.reduce((n, a) => n + a.times - 1, 0),
    unknownDelivered: accepted.filter((a) => !known.has(a.alert.id)).map((a) => a.alert.id),
    model: await newestModel(pipeline),
  };
}

function neutralAlert(alert: Alert): Omit<Alert, 'id' | 'pipeline'> {
  const { id: _id, pipeline: _pipeline, ...rest } = alert;
  return rest;
}

/** An `alerts` row holds the alert as JSON, with the run's id and pipeline inside. */
function neutralAlertRow(row: Record<string, unknown>): void {
  if (typeof row.alert !== 'string') return;
  delete row.id;
  row.alert = JSON.stringify(neutralAlert(JSON.parse(row.alert) as Alert));
}

/** The newest published model version from the checkpoint store (Redis). */
async function newestModel(pipeline: string): Promise<ModelState> {
  const store = new RedisCheckpointStore({ url: REDIS_URL });
  try {
    const name = modelCheckpointName(pipeline, MODEL);
    const latest = await store.load(name);
    if (!latest) throw new Error(`${pipeline}: no model version in Redis`);
    const { state } = decodeVersion(name, latest.data);
    const s = state as { eventsSeen: number; labelled: number; positions: Record<string, string> };
    const positions: Record<string, string> = {};
    for (const [key, next] of Object.entries(s.positions))
      positions[`p${key.slice(key.lastIndexOf(':') + 1)}`] = next;
    return {
      version: latest.version,
      eventsSeen: s.eventsSeen,
      labelled: s.labelled,
      json: JSON.stringify({ ...s, positions }),
      weights: weightsOf(state),
    };
  } finally {
    await store.close();
  }
}

/** Numbers under the model part of the state, by path (e.g. `bundle.model.weights.3`). */
function weightsOf(state: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') out[path] = v;
    else if (v && typeof v === 'object')
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
  };
  walk((state as { bundle?: unknown }).bundle, 'bundle');
  return out;
}

/** The largest |a − b| over the weights both states have (Infinity when their shapes differ). */
export function maxWeightGap(a: ModelState, b: ModelState): number {
  const keys = new Set([...Object.keys(a.weights), ...Object.keys(b.weights)]);
  let gap = 0;
  for (const k of keys) {
    const x = a.weights[k];
    const y = b.weights[k];
    if (x === undefined || y === undefined) return Number.POSITIVE_INFINITY;
    gap = Math.max(gap, Math.abs(x - y));
  }
  return gap;
}

/** Deletes the run's checkpoint, lease and model-version keys from Redis. */
export async function deleteRedisKeys(pipelines: readonly string[]): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    for (const pipeline of pipelines) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `streamlearn:*${pipeline}.*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
