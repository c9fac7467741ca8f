import type { Positions, RawRecord } from '../../../src/core/event.js';
import type { Source } from '../../../src/ingest/source.js';

/** A record as read, with the partition its batch came from. */
export type SeenRecord = RawRecord & { partition: number };

/** Reads until the source stops (idle), returning the records and how many empty batches came. */
export async function drainSource(s: Source): Promise<{ records: SeenRecord[]; empty: number }> {
  const records: SeenRecord[] = [];
  let empty = 0;
  for (let b = await s.next(); b !== null; b = await s.next()) {
    if (b.records.length === 0) empty++;
    for (const r of b.records) records.push({ ...r, partition: b.partition });
  }
  return { records, empty };
}

/** The positions to commit after `records` of `topic`: one past the highest offset per partition. */
export function positionsAfter(topic: string, records: SeenRecord[]): Positions {
  const positions: Positions = {};
  for (const r of records) {
    const key = `${topic}:${r.partition}`;
    positions[key] = String(Math.max(Number(r.offset) + 1, Number(positions[key] ?? 0)));
  }
  return positions;
}
