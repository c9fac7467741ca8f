import type { EventSchemaConfig, FieldType } from '../core/config/index.js';
import type { Event, FieldValue, RawRecord } from '../core/event.js';
import { parseIsoTime } from '../core/iso-time.js';
import {
  ABSENT,
  FALSE,
  FlatJsonScanner,
  isWellFormed,
  NULL,
  NUMBER,
  STRING,
  TRUE,
} from './flat-json-scanner.js';

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
  | 'time_ahead'
  | 'missing_field'
  | 'wrong_type'
  | 'not_finite'
  | 'late';

export interface Rejection {
  reason: RejectReason;
  detail: string;
}

export type DecodeResult = { ok: true; event: Event } | { ok: false; rejection: Rejection };

export interface DecoderOptions {
  /**
   * `false` decodes every record through `JSON.parse` (tests compare the two paths with it: the
   * fast path must give the same events, key order included, or decline).
   */
  fastPath?: boolean;
  /**
   * The declared fields the event keeps (its `ts` and `key` are always kept); the others are
   * still checked — a record with a bad value in any declared field is rejected — but left out
   * of the event. Default: all. The pipeline passes the fields its windows and stages read, so no
   * event carries (and allocates) values nothing looks at.
   */
  keep?: ReadonlySet<string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface FieldRule {
  name: string;
  type: FieldType;
  optional: boolean;
  /** Whether the event holds the value (see {@link DecoderOptions.keep}). */
  kept: boolean;
}

/**
 * Builds a decoder for one schema: JSON bytes → typed {@link Event}, or a rejection with its reason.
 * The rules are compiled once so the per-record path only walks an array.
 */
export function createDecoder(
  schema: EventSchemaConfig,
  options: DecoderOptions = {},
): (record: RawRecord) => DecodeResult {
  const decoder = createEventDecoder(schema, options);
  return (record) => {
    const event = decoder.decode(record);
    return event !== null ? { ok: true, event } : { ok: false, rejection: decoder.rejection };
  };
}

/**
 * The decoder the pipeline runs, without a result object per record: `decode` returns the
 * event, or null with the reason in `rejection` (valid until the next call).
 */
export interface EventDecoder {
  decode(record: RawRecord): Event | null;
  readonly rejection: Rejection;
}

/** {@link createDecoder}'s decoder in the {@link EventDecoder} form. */
export function createEventDecoder(schema: EventSchemaConfig, options: DecoderOptions = {}): EventDecoder {
  const optional = new Set(schema.optional);
  // A declared `ts` is the time field (the config allows no other): the event's `ts` is its value
  // read by timeFormat, in epoch ms, not the raw value (seconds, an ISO string).
  const rules: FieldRule[] = Object.entries(schema.fields)
    .filter(([name]) => name !== 'ts')
    .map(([name, type]) => ({
      name,
      type,
      optional: optional.has(name),
      kept: options.keep === undefined || options.keep.has(name),
    }));
  const { timeField, timeFormat, keyField, maxRecordBytes, minTime, maxTime } = schema;
  const maxAhead = schema.maxTimeAhead ?? Number.POSITIVE_INFINITY;
  const decodePlain = options.fastPath === false ? () => undefined : plainDecoder(schema, rules);
  const decoder = {
    rejection: { reason: 'empty', detail: '' } as Rejection,
    decode(record: RawRecord): Event | null {
      const bytes = record.value;
      let event: Event | undefined;
      if (bytes !== null && bytes.length > 0 && bytes.length <= maxRecordBytes)
        event = decodePlain(bytes, record);
      if (event === undefined) {
        const decoded = decodeSlow(record);
        if (!('ts' in decoded)) {
          // every event has ts, no rejection has
          decoder.rejection = decoded;
          return null;
        }
        event = decoded;
      }
      // the record's timestamp is Kafka's (CreateTime or LogAppendTime); 0 or −1 where the source
      // has none, so a file replay is never judged by it
      if (event.ts - record.ts > maxAhead && record.ts > 0) {
        decoder.rejection = reject(
          'time_ahead',
          `event time ${event.ts} is ${event.ts - record.ts} ms ahead of the record's timestamp ${record.ts} (schema.maxTimeAhead is ${maxAhead} ms)`,
        );
        return null;
      }
      return event;
    },
  };
  return decoder;

  /** The `JSON.parse` path: the event, or the rejection. */
  function decodeSlow(record: RawRecord): Event | Rejection {
    const bytes = record.value;
    if (bytes === null || bytes.length === 0) return reject('empty', 'record has no value');
    if (bytes.length > maxRecordBytes)
      return reject('oversized', `record is ${record.size ?? bytes.length} bytes, limit ${maxRecordBytes}`);
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
        `field "${timeField}" ${ts === 'missing' ? 'is missing' : `is not a valid time (${TIME_FORMAT_TEXT[timeFormat]})`}`,
      );
    if (ts < minTime || ts > maxTime)
      return reject('time_out_of_range', `event time ${ts} is outside [${minTime}, ${maxTime}]`);

    const event: Event = { ts };
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const value = obj[rule.name];
      if (value === undefined || value === null) {
        if (!rule.optional) return reject('missing_field', `field "${rule.name}" is missing`);
        if (rule.kept) event[rule.name] = null;
        continue;
      }
      const checked = checkType(value, rule.type);
      if (checked === WRONG_TYPE)
        return reject('wrong_type', `field "${rule.name}" should be ${rule.type}, got ${describe(value)}`);
      if (checked === NOT_FINITE) return reject('not_finite', `field "${rule.name}" is not a finite number`);
      if (checked === NOT_UNICODE)
        return reject('not_utf8', `field "${rule.name}" holds a lone surrogate escape, not valid Unicode`);
      if (rule.kept) event[rule.name] = checked as FieldValue;
    }
    const key = keyOf(record, keyField === undefined ? undefined : obj[keyField]);
    if (key !== undefined) event.key = key;
    return event;
  }
}

/**
 * The fast path for well-formed records: {@link FlatJsonScanner} reads the schema's fields
 * straight from the bytes, each is checked against its type, and the event is made by a function
 * compiled for the schema (see {@link eventFactory}). Anything the scanner declines, and any
 * record that would be rejected, gives `undefined`: the `JSON.parse` path then decides, so
 * reasons and details stay exactly those of that path.
 */
function plainDecoder(
  schema: EventSchemaConfig,
  rules: FieldRule[],
): (bytes: Uint8Array, record: RawRecord) => Event | undefined {
  const { timeField, timeFormat, keyField, minTime, maxTime } = schema;
  const names = [...new Set([timeField, ...rules.map((r) => r.name), ...(keyField ? [keyField] : [])])];
  const make = eventFactory(rules, names);
  if (make === null) return () => undefined;
  const scanner = new FlatJsonScanner(names);
  const { kinds, numbers, strings } = scanner;
  const timeSlot = names.indexOf(timeField);
  const keySlot = keyField === undefined ? -1 : names.indexOf(keyField);
  const slots = Int32Array.from(rules, (r) => names.indexOf(r.name));
  const types = rules.map((r) => r.type);
  // JSON.parse's object inherits these: a record without the field reads the inherited value there
  const absentOk = rules.map((r) => r.optional && !(r.name in Object.prototype));
  const nullOk = rules.map((r) => r.optional);

  return function decodePlain(bytes: Uint8Array, record: RawRecord): Event | undefined {
    if (!scanner.scan(bytes)) return undefined;
    const ts = timeOf(scanner, timeSlot, timeFormat);
    if (!(ts >= minTime && ts <= maxTime)) return undefined; // NaN: not a time
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const kind = kinds[slot]!;
      switch (types[i]) {
        case 'number':
          if (kind === NUMBER) continue;
          break;
        case 'integer':
          if (kind === NUMBER && Number.isSafeInteger(numbers[slot])) continue;
          break;
        case 'string':
          // the scanner takes only well-formed UTF-8 strings without escapes: no lone surrogate
          if (kind === STRING) continue;
          break;
        case 'boolean':
          if (kind === TRUE || kind === FALSE) continue;
          break;
      }
      if (kind === NULL ? !nullOk[i] : kind !== ABSENT || !absentOk[i]) return undefined;
    }
    const key = keyOf(record, keySlot < 0 ? undefined : scanner.value(keySlot));
    return key === undefined
      ? make.plain(ts, numbers, strings, kinds)
      : make.keyed(ts, numbers, strings, kinds, key);
  };
}

/** Event time of the scanned record, or NaN when its time field is not one (the slow path decides). */
function timeOf(scanner: FlatJsonScanner, slot: number, format: EventSchemaConfig['timeFormat']): number {
  const kind = scanner.kinds[slot];
  if (format === 'iso') return kind === STRING ? parseIsoTime(scanner.strings[slot]!) : Number.NaN;
  if (kind !== NUMBER) return Number.NaN;
  const ms = format === 'epoch_s' ? scanner.numbers[slot]! * 1000 : scanner.numbers[slot]!;
  return Number.isSafeInteger(Math.trunc(ms)) ? Math.trunc(ms) : Number.NaN;
}

type EventFactory = (
  ts: number,
  numbers: Float64Array,
  strings: readonly (string | undefined)[],
  kinds: Uint8Array,
  key?: string,
) => Event;

/**
 * A function that builds the event of a scanned record as one object literal: `{ts, a: …, b: …}`
 * in the schema's field order, as the slow path builds it (a declared field named like the time
 * field overrides `ts` there too). An object literal gets its final shape at once and each value
 * is read from the scanner's typed slots, where a field-by-field build would store through a
 * megamorphic keyed access per field (~6× slower, measured). Names are identifiers (the config
 * schema checks them) and are quoted with JSON.stringify; `__proto__` in a literal would set the
 * prototype, so such a schema gets no factory (null) and every record takes the slow path.
 */
function eventFactory(
  rules: FieldRule[],
  names: string[],
): { plain: EventFactory; keyed: EventFactory } | null {
  if (rules.some((r) => r.name === '__proto__')) return null;
  const members = rules
    .filter((r) => r.kept)
    .map((r) => {
      const slot = names.indexOf(r.name);
      const k = `k[${slot}]`;
      const value =
        r.type === 'number' || r.type === 'integer'
          ? `${k} === ${NUMBER} ? n[${slot}] : null`
          : r.type === 'string'
            ? `${k} === ${STRING} ? s[${slot}] : null`
            : `${k} === ${TRUE} ? true : ${k} === ${FALSE} ? false : null`;
      return `${JSON.stringify(r.name)}: ${value}`;
    });
  const make = (extra: string[]): EventFactory =>
    new Function(
      'ts',
      'n',
      's',
      'k',
      'key',
      `return { ${['ts: ts', ...members, ...extra].join(', ')} };`,
    ) as EventFactory;
  // the key in the literal too: added afterwards it would cost a map transition and an
  // out-of-object property store per event (a declared field named `key` keeps its place and
  // takes this value, as the slow path's assignment does)
  return { plain: make([]), keyed: make(['key: key']) };
}

const WRONG_TYPE = Symbol('wrong type');
const NOT_FINITE = Symbol('not finite');
const NOT_UNICODE = Symbol('not unicode');

function checkType(
  value: unknown,
  type: FieldType,
): FieldValue | typeof WRONG_TYPE | typeof NOT_FINITE | typeof NOT_UNICODE {
  switch (type) {
    case 'number':
      if (typeof value !== 'number') return WRONG_TYPE;
      return Number.isFinite(value) ? value : NOT_FINITE; // JSON's 1e999 parses to Infinity
    case 'integer':
      if (typeof value !== 'number') return WRONG_TYPE;
      if (!Number.isFinite(value)) return NOT_FINITE;
      return Number.isSafeInteger(value) ? value : WRONG_TYPE;
    case 'string':
      if (typeof value !== 'string') return WRONG_TYPE;
      // a JSON escape such as "\ud800" decodes to a lone surrogate that no UTF-8 sink can store
      return isWellFormed.call(value) ? value : NOT_UNICODE;
    case 'boolean':
      return typeof value === 'boolean' ? value : WRONG_TYPE;
  }
}

/** What each time format wants, for the reason of a `bad_time` rejection. */
const TIME_FORMAT_TEXT: Record<EventSchemaConfig['timeFormat'], string> = {
  epoch_ms: 'expected epoch milliseconds, a number',
  epoch_s: 'expected epoch seconds, a number',
  iso: 'expected ISO-8601 text such as 2026-01-01T00:00:00Z',
};

/** Event time in epoch ms, or why it could not be read. */
function parseTime(value: unknown, format: EventSchemaConfig['timeFormat']): number | 'missing' | 'bad' {
  if (value === undefined || value === null) return 'missing';
  if (format === 'iso') {
    if (typeof value !== 'string') return 'bad';
    const ms = parseIsoTime(value);
    return Number.isFinite(ms) ? ms : 'bad';
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'bad';
  const ms = format === 'epoch_s' ? value * 1000 : value;
  return Number.isSafeInteger(Math.trunc(ms)) ? Math.trunc(ms) : 'bad';
}

/** The event key: the key field's value (`keyValue`) when it is a scalar, else the record key. */
function keyOf(record: RawRecord, keyValue: unknown): string | undefined {
  if (typeof keyValue === 'string') return keyValue;
  if (typeof keyValue === 'number' || typeof keyValue === 'boolean') return String(keyValue);
  if (record.key !== null && record.key.length > 0)
    return Buffer.from(record.key.buffer, record.key.byteOffset, record.key.length).toString('utf8');
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function reject(reason: RejectReason, detail: string): Rejection {
  return { reason, detail };
}
