import { StreamlearnError } from '../core/errors.js';
import type { FieldValue } from '../core/event.js';
import type { ColumnSpec, QueryOptions, Row, TableSpec } from './sink.js';
import { IDENTIFIER_RE, quoteIdentifier, sqlLiteral, type SqlDialect } from './sql-literal.js';

/**
 * What every sink does the same way with a {@link TableSpec}: validate it once, check rows before
 * they are written, build the filter of a query and order rows the way `query` promises.
 */

/** A validated spec with its columns indexed by name. */
export interface PreparedTable {
  spec: TableSpec;
  byName: Map<string, ColumnSpec>;
  keyColumns: ColumnSpec[];
}

/**
 * Checks a spec (identifiers, key/version/time columns present and well typed) and indexes it.
 * Keys, version and time are never nullable: ClickHouse sorts by them and dedup depends on them.
 */
export function prepareTable(spec: TableSpec): PreparedTable {
  const fail = (why: string): never => {
    throw new StreamlearnError('SL_ERR_CONFIG', `sink table ${JSON.stringify(spec.name)}: ${why}`);
  };
  if (!IDENTIFIER_RE.test(spec.name)) fail('the name is not a valid identifier');
  if (spec.columns.length === 0) fail('it has no columns');
  const byName = new Map<string, ColumnSpec>();
  for (const c of spec.columns) {
    if (!IDENTIFIER_RE.test(c.name)) fail(`column ${JSON.stringify(c.name)} is not a valid identifier`);
    if (byName.has(c.name)) fail(`column ${c.name} is declared twice`);
    byName.set(c.name, c);
  }
  if (spec.key.length === 0) fail('the key is empty');
  const keyColumns = spec.key.map((k) => byName.get(k) ?? fail(`key column ${k} is not a column`));
  for (const c of keyColumns) if (c.nullable) fail(`key column ${c.name} must not be nullable`);
  const version =
    byName.get(spec.versionColumn) ?? fail(`version column ${spec.versionColumn} is not a column`);
  if (version.type !== 'int64' || version.nullable) fail('the version column must be a non-null int64');
  if (spec.key.includes(spec.versionColumn)) fail('the version column must not be part of the key');
  const time = byName.get(spec.timeColumn) ?? fail(`time column ${spec.timeColumn} is not a column`);
  if (time.type !== 'int64' || time.nullable) fail('the time column must be a non-null int64 (epoch ms)');
  return { spec, byName, keyColumns };
}

/**
 * Checks one row against the spec and returns its values in column order. Missing nullable columns
 * are null; a non-finite float (an aggregate that overflowed) is null in a nullable column;
 * unknown columns, wrong types, non-finite floats in other columns and negative versions are refused
 * (non-retriable SL_ERR_SINK: retrying cannot fix the row, and nothing is dropped silently).
 * A `json` column takes a JSON string, or any other value which is stringified.
 */
export function rowValues(table: PreparedTable, row: Row): FieldValue[] {
  const { spec } = table;
  let seen = 0;
  const out: FieldValue[] = new Array<FieldValue>(spec.columns.length);
  for (let i = 0; i < spec.columns.length; i++) {
    const c = spec.columns[i]!;
    const v = row[c.name];
    if (v !== undefined) seen++;
    if (v === undefined || v === null) {
      if (!c.nullable) refuseRow(spec.name, `column ${c.name} must not be null`);
      out[i] = null;
      continue;
    }
    switch (c.type) {
      case 'int64':
        if (!Number.isSafeInteger(v))
          refuseRow(spec.name, `column ${c.name} must be an integer, got ${JSON.stringify(v)}`);
        if (c.name === spec.versionColumn && (v as number) < 0)
          refuseRow(spec.name, `version ${v} is negative`);
        break;
      case 'float64':
        if (typeof v !== 'number')
          refuseRow(spec.name, `column ${c.name} must be a number, got ${JSON.stringify(v)}`);
        if (!Number.isFinite(v)) {
          // An aggregate past float64 (two amounts of 1e308 sum to Infinity) is unknown, not a
          // reason to refuse the batch: refusing would stop the pipeline on one extreme record.
          if (!c.nullable) refuseRow(spec.name, `column ${c.name} must be a finite number, got ${String(v)}`);
          out[i] = null;
          continue;
        }
        break;
      case 'string':
        if (typeof v !== 'string') refuseRow(spec.name, `column ${c.name} must be a string`);
        break;
      case 'bool':
        if (typeof v !== 'boolean') refuseRow(spec.name, `column ${c.name} must be a boolean`);
        break;
      case 'json':
        out[i] = typeof v === 'string' ? v : JSON.stringify(v);
        continue;
    }
    out[i] = v;
  }
  if (seen !== ownKeyCount(row)) {
    const unknown = Object.keys(row).filter((k) => !table.byName.has(k));
    if (unknown.length > 0) refuseRow(spec.name, `unknown column(s) ${unknown.join(', ')}`);
  }
  return out;
}

/** Refuses a row (non-retriable: retrying cannot fix it). */
function refuseRow(table: string, why: string): never {
  throw new StreamlearnError('SL_ERR_SINK', `row for table ${table}: ${why}`, { retriable: false });
}

/** `Object.keys(row).length` without the array: rows are written by the hundred thousand. */
function ownKeyCount(row: Row): number {
  let n = 0;
  for (const k in row) if (Object.hasOwn(row, k)) n++;
  return n;
}

/** The dedup key of a row (its key columns' values), as a string usable in a Map. */
export function keyOf(table: PreparedTable, row: Row): string {
  if (table.keyColumns.length === 1) {
    const v = row[table.keyColumns[0]!.name];
    return typeof v === 'string' ? `s${v}` : JSON.stringify(v);
  }
  return JSON.stringify(table.keyColumns.map((c) => row[c.name] ?? null));
}

/**
 * The conditions of a query (`from`/`to` on the time column, `where` equalities), each value
 * checked against its column type and encoded by {@link sqlLiteral}. Unknown columns and values of
 * the wrong type are SL_ERR_VALIDATION (the API answers 400).
 */
export function whereConditions(table: PreparedTable, options: QueryOptions, dialect: SqlDialect): string[] {
  const conds: string[] = [];
  const time = quoteIdentifier(table.spec.timeColumn, dialect);
  if (options.from !== undefined)
    conds.push(`${time} >= ${sqlLiteral(checkTime(options.from, 'from'), dialect)}`);
  if (options.to !== undefined) conds.push(`${time} < ${sqlLiteral(checkTime(options.to, 'to'), dialect)}`);
  for (const [name, value] of Object.entries(options.where ?? {})) {
    const c = table.byName.get(name);
    if (!c) throw invalid(`table ${table.spec.name} has no column ${JSON.stringify(name)}`);
    if (!matchesType(c, value)) throw invalid(`where.${name}: ${JSON.stringify(value)} is not a ${c.type}`);
    conds.push(`${quoteIdentifier(name, dialect)} = ${sqlLiteral(value, dialect)}`);
  }
  return conds;
}

/** The `limit` of a query, checked; undefined when there is none. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw invalid(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}

function checkTime(ms: number, what: string): number {
  if (!Number.isSafeInteger(ms)) throw invalid(`${what} must be an integer epoch ms, got ${ms}`);
  return ms;
}

function matchesType(c: ColumnSpec, v: unknown): boolean {
  switch (c.type) {
    case 'int64':
      return Number.isSafeInteger(v);
    case 'float64':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
    case 'json':
      return typeof v === 'string';
  }
}

/** Orders rows as `query` returns them: time column descending, then key columns ascending. */
export function compareNewestFirst(table: PreparedTable): (a: Row, b: Row) => number {
  const time = table.spec.timeColumn;
  const byKey = compareByKey(table);
  return (a, b) => (b[time] as number) - (a[time] as number) || byKey(a, b);
}

/** Orders rows by their key columns ascending (strings by code point, as UTF-8 bytes sort). */
export function compareByKey(table: PreparedTable): (a: Row, b: Row) => number {
  const names = table.spec.key;
  return (a, b) => {
    for (const n of names) {
      const d = compareValues(a[n] ?? null, b[n] ?? null);
      if (d !== 0) return d;
    }
    return 0;
  };
}

function compareValues(a: FieldValue, b: FieldValue): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

/** Code point order (= UTF-8 byte order, which ClickHouse and DuckDB use), not UTF-16 unit order. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after U+E000–U+FFFF in code point order.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys && x >= 0xd800 && y >= 0xd800) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

function invalid(message: string): StreamlearnError {
  return new StreamlearnError('SL_ERR_VALIDATION', message);
}
