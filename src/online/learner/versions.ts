import { StreamlearnError } from '../../core/errors.js';
import type { Positions } from '../../core/event.js';
import type { Json } from '../model.js';
import type { MetricValues } from './evaluator.js';

/** The store name of a model's versions: `<pipeline>.model.<model>` (also the name of its lease). */
export function modelCheckpointName(pipeline: string, model: string): string {
  return `${pipeline}.model.${model}`;
}

/** What a published version says about itself. The version number is the store's. */
export interface VersionMetadata {
  /** Events the learner had consumed (labelled or not). */
  eventsSeen: number;
  /** Labelled events learned. */
  labelled: number;
  metrics: { overall: MetricValues; rolling: MetricValues };
  /** Wall time of publication (epoch ms). */
  createdAt: number;
  /** Next offset per partition after the last event the model saw. */
  positions: Positions;
  /** The lease holder that published it, and its fencing token. */
  owner: string;
  token: number;
  /** The model's registry kind, e.g. `logistic-regression`. */
  modelKind: string;
  /**
   * Why this version exists beyond the usual publish after a checkpoint: `pre-drift` = the model
   * a `new-version` drift reaction replaced (kept to roll back to); `drift-reset` = the first
   * version of the fresh model trained after a drift reaction; `rollback` = a copy of version
   * `rollbackOf` made newest by a rollback (its other fields are that version's, except
   * `createdAt`, `owner` and `token`).
   */
  reason?: 'pre-drift' | 'drift-reset' | 'rollback';
  rollbackOf?: number;
}

/** A published model version: the learner's full state (model, scaler, metrics) and metadata. */
export interface VersionPayload {
  format: 1;
  metadata: VersionMetadata;
  /** The learner's stage snapshot; `state.bundle` is what serving needs. */
  state: Json;
}

export function encodeVersion(payload: VersionPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(payload));
}

export function decodeVersion(name: string, bytes: Uint8Array): VersionPayload {
  let payload: VersionPayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes)) as VersionPayload;
  } catch (err) {
    throw new StreamlearnError('SL_ERR_CHECKPOINT', `model version of ${name} is not valid JSON`, {
      cause: err,
      retriable: false,
    });
  }
  if (payload?.format !== 1)
    throw new StreamlearnError('SL_ERR_CHECKPOINT', `model version of ${name} has an unknown format`, {
      retriable: false,
    });
  return payload;
}
