import { StreamlearnError } from '../core/errors.js';
import type { Positions } from '../core/event.js';
import type { Json } from '../windows/aggregator.js';

/** What a window checkpoint holds: every operator's state and the positions it reflects. */
export interface WindowCheckpoint {
  format: 1;
  pipeline: string;
  createdAt: number;
  positions: Positions;
  watermark: Json;
  windows: Record<string, Json>;
  /** Learner, drift monitor and other stages, by name. */
  stages?: Record<string, Json>;
  /** Events consumed but not yet handed to the stages (waiting for the watermark), in order. */
  heldForStages?: Json;
  eventsSeen: number;
}

export function encodeCheckpoint(cp: WindowCheckpoint): Uint8Array {
  return Buffer.from(JSON.stringify(cp), 'utf8');
}

/** `origin` names the checkpoint in the error a damaged one raises (not retriable: waiting will not mend it). */
export function decodeCheckpoint(bytes: Uint8Array, origin = 'checkpoint'): WindowCheckpoint {
  let cp: WindowCheckpoint;
  try {
    cp = JSON.parse(Buffer.from(bytes).toString('utf8')) as WindowCheckpoint;
  } catch (err) {
    throw damaged(origin, (err as Error).message, err);
  }
  if (cp === null || typeof cp !== 'object' || cp.format !== 1)
    throw damaged(origin, `unknown checkpoint format ${String((cp as { format?: unknown } | null)?.format)}`);
  return cp;
}

function damaged(origin: string, why: string, cause?: unknown): StreamlearnError {
  return new StreamlearnError(
    'SL_ERR_CHECKPOINT',
    `${origin} is damaged and cannot be restored (${why}); waiting will not mend it: restore it from a backup, or remove it to start the state afresh`,
    { cause, retriable: false },
  );
}
