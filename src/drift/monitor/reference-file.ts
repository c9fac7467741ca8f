import { readFile } from 'node:fs/promises';
import type { EventSchemaConfig } from '../../core/config/index.js';
import { StreamlearnError } from '../../core/errors.js';
import type { Event } from '../../core/event.js';
import { withoutByteOrderMark } from '../../ingest/byte-order-mark.js';
import { createDecoder } from '../../ingest/decoder.js';

/**
 * Reads a reference JSONL file of events, decoded with the pipeline's schema (so times and types
 * are those of the live stream); `prediction` and `error` fields are kept when present, for the
 * learner's streams. Rejected lines fail the start: a reference must be clean.
 */
export async function readReferenceEvents(path: string, schema: EventSchemaConfig): Promise<Event[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new StreamlearnError(
      'SL_ERR_CONFIG',
      `cannot read the drift reference ${path}: ${(err as Error).message}`,
    );
  }
  const decode = createDecoder(schema);
  const events: Event[] = [];
  const encoder = new TextEncoder();
  const lines = withoutByteOrderMark(text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const r = decode({ offset: String(i), key: null, value: encoder.encode(line), ts: 0 });
    if (!r.ok)
      throw new StreamlearnError(
        'SL_ERR_CONFIG',
        `drift reference ${path}, line ${i + 1}: ${r.rejection.reason} ${r.rejection.detail}`,
      );
    const raw = JSON.parse(line) as Record<string, unknown>;
    for (const f of ['prediction', 'error'] as const) {
      const v = raw[f];
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') r.event[f] = v;
    }
    events.push(r.event);
  }
  return events;
}
