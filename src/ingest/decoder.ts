import type { EventSchemaConfig, FieldType } from '../core/config/index.js';
import type { Event, FieldValue, RawRecord } from '../core/event.js';

/** Why a record was rejected; each reason is documented in docs/config.md#dead-letter. */
export type RejectReason =
  | 'empty'
  | 'oversized'
  | 'not_utf8'
  | 'not_json'
  | 'not_object'
  | 'missing_time'
  | 'bad_time'
  | 'time_out_of_range'
  | 'missing_field'
  | 'wrong_type'
  | 'not_finite'
  | 'late';

export interface Rejection {
  reason: RejectReason;
  detail: string;
}

export type DecodeResult = { ok: true; event: Event } | { ok: false; rejection: Rejection };

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface FieldRule {
  name: string;
  type: FieldType;
  optional: boolean;
}

/**
 * Builds a decoder for one schema: JSON bytes → typed {@link Event}, or a rejection with its reason.
 * The rules are compiled once so the per-record path only walks an array.
 */
export function createDecoder(schema: EventSchemaConfig): (record: RawRecord) => DecodeResult {
  const optional = new Set(schema.optional);
  const rules: FieldRule[] = Object.entries(schema.fields).map(([name, type]) => ({
    name,
    type,
    optional: optional.has(name),
  }));
  const { timeField, timeFormat, keyField, maxRecordBytes, minTime, maxTime } = schema;

  return function decode(record: RawRecord): DecodeResult {
    const bytes = record.value;
    if (bytes === null || bytes.length === 0) return reject('empty', 'record has no value');
    if (bytes.length > maxRecordBytes)
      return reject('oversized', `record is ${bytes.length} bytes, limit ${maxRecordBytes}`);
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      // RFC 8259 forbids a BOM in JSON on the wire; a producer sending one is misconfigured
      return reject('not_json', 'record starts with a UTF-8 byte-order mark (BOM)');
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return reject('not_utf8', 'record is not valid UTF-8');
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return reject('not_json', (err as Error).message.slice(0, 200));
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return reject('not_object', 'record is not a JSON object');
    const obj = raw as Record<string, unknown>;

    const ts = parseTime(obj[timeField], timeFormat);
    if (typeof ts === 'string')
      return reject(
        ts === 'missing' ? 'missing_time' : 'bad_time',
        `field "${timeField}" ${ts === 'missing' ? 'is missing' : 'is not a valid time'}`,
      );
    if (ts < minTime || ts > maxTime)
      return reject('time_out_of_range', `event time ${ts} is outside [${minTime}, ${maxTime}]`);

    const event: Event = { ts };
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const value = obj[rule.name];
      if (value === undefined || value === null) {
        if (!rule.optional) return reject('missing_field', `field "${rule.name}" is missing`);
        event[rule.name] = null;
        continue;
      }
      const checked = checkType(value, rule.type);
      if (checked === WRONG_TYPE)
        return reject('wrong_type', `field "${rule.name}" should be ${rule.type}, got ${describe(value)}`);
      if (checked === NOT_FINITE) return reject('not_finite', `field "${rule.name}" is not a finite number`);
      event[rule.name] = checked as FieldValue;
    }
    const key = keyOf(record, obj, keyField);
    if (key !== undefined) event.key = key;
    return { ok: true, event };
  };
}

const WRONG_TYPE = Symbol('wrong type');
const NOT_FINITE = Symbol('not finite');

function checkType(value: unknown, type: FieldType): FieldValue | typeof WRONG_TYPE | typeof NOT_FINITE {
  switch (type) {
    case 'number':
      if (typeof value !== 'number') return WRONG_TYPE;
      return Number.isFinite(value) ? value : NOT_FINITE; // JSON's 1e999 parses to Infinity
    case 'integer':
      if (typeof value !== 'number') return WRONG_TYPE;
      if (!Number.isFinite(value)) return NOT_FINITE;
      return Number.isSafeInteger(value) ? value : WRONG_TYPE;
    case 'string':
      return typeof value === 'string' ? value : WRONG_TYPE;
    case 'boolean':
      return typeof value === 'boolean' ? value : WRONG_TYPE;
  }
}

/** Event time in epoch ms, or why it could not be read. */
function parseTime(value: unknown, format: EventSchemaConfig['timeFormat']): number | 'missing' | 'bad' {
  if (value === undefined || value === null) return 'missing';
  if (format === 'iso') {
    if (typeof value !== 'string') return 'bad';
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : 'bad';
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'bad';
  const ms = format === 'epoch_s' ? value * 1000 : value;
  return Number.isSafeInteger(Math.trunc(ms)) ? Math.trunc(ms) : 'bad';
}

function keyOf(
  record: RawRecord,
  obj: Record<string, unknown>,
  keyField: string | undefined,
): string | undefined {
  if (keyField !== undefined) {
    const v = obj[keyField];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  if (record.key !== null && record.key.length > 0)
    return Buffer.from(record.key.buffer, record.key.byteOffset, record.key.length).toString('utf8');
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function reject(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, rejection: { reason, detail } };
}
