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

export function decodeCheckpoint(bytes: Uint8Array): WindowCheckpoint {
  const cp = JSON.parse(Buffer.from(bytes).toString('utf8')) as WindowCheckpoint;
  if (cp.format !== 1) throw new Error(`unknown checkpoint format ${String(cp.format)}`);
  return cp;
}
