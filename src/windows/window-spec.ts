import type { AggregateConfig, EventSchemaConfig, WindowConfig } from '../core/config/index.js';
import type { Event, FieldValue } from '../core/event.js';
import type { ColumnSpec, Row, TableSpec } from '../sinks/sink.js';
import { hasMergedResult, type Aggregator, type ColumnType, type MergedResult } from './aggregator.js';
import { createAggregator, isTimedAggregator, type TimedAggregator } from './aggregators/index.js';

/** One output column of a window and the aggregator behind it. */
export interface AggregateColumn {
  column: string;
  field: string | undefined;
  agg: Aggregator<unknown, unknown>;
  timed: TimedAggregator<unknown, unknown> | null;
  /** The aggregator again when it can read a merge of states in place, else null. */
  merged: MergedResult<unknown, unknown> | null;
}

/** A window config compiled once: aggregators built, column names fixed, group-key function ready. */
export interface WindowSpec {
  pipeline: string;
  config: WindowConfig;
  name: string;
  table: string;
  groupBy: string[];
  columns: AggregateColumn[];
  allowedLateness: number;
  /** Group key of an event (see {@link groupKeyOf}): '' without group-by. */
  groupKey(event: Event): string;
  /** The same key from a group's values, in group-by order (checkpoints are re-keyed with it). */
  keyOfValues(values: readonly (FieldValue | undefined)[]): string;
  /** Builds a row (see {@link RowFactory}). */
  makeRow: RowFactory;
  /**
   * Adds an event to a group's states: each aggregate takes its field's value (`count` a 1);
   * absent and null values are skipped. Compiled for the columns (see {@link stateAdder}).
   */
  addEvent(states: unknown[], event: Event): void;
}

/**
 * A window row from its head (start, end, version, retracted), the group values
 * `groupValues[at..]` and the aggregate results `results[0..columns)`, with its columns in table
 * order: pipeline, window, group-by fields, start, end, version, retracted, aggregates.
 */
export type RowFactory = (
  start: number,
  end: number,
  version: number,
  retracted: boolean,
  groupValues: readonly unknown[],
  at: number,
  results: readonly FieldValue[],
) => Row;

/** Output column name of an aggregate: `as`, or a readable default such as `sum_amount`, `p95_latency`. */
export function columnName(a: AggregateConfig): string {
  if (a.as) return a.as;
  if (a.fn === 'count' && a.field === undefined) return 'count';
  if (a.fn === 'quantile') return `p${Math.round((a.q ?? 0.5) * 1000) / 10}_${a.field}`.replace('.', '_');
  return `${a.fn}_${a.field}`;
}

/** The sink table of a window: `w_<window>`. */
export function windowTableName(window: string): string {
  return `w_${window}`;
}

const RESERVED = new Set(['pipeline', 'window', 'start', 'end', 'version', 'retracted']);

export function compileWindow(pipeline: string, config: WindowConfig): WindowSpec {
  const columns = config.aggregates.map((a): AggregateColumn => {
    const agg = createAggregator(a.fn, { q: a.q, k: a.k, accuracy: a.accuracy }) as Aggregator<
      unknown,
      unknown
    >;
    if (agg.input !== 'none' && a.field === undefined)
      throw new Error(`window "${config.name}": aggregate "${a.fn}" needs a field`);
    return {
      column: columnName(a),
      field: a.field,
      agg,
      timed: isTimedAggregator(agg) ? agg : null,
      merged: hasMergedResult(agg) ? agg : null,
    };
  });
  const names = new Set<string>();
  for (const c of [...config.groupBy, ...columns.map((c) => c.column)]) {
    if (RESERVED.has(c))
      throw new Error(`window "${config.name}": column name "${c}" is reserved; rename it with "as"`);
    if (names.has(c))
      throw new Error(`window "${config.name}": duplicate column "${c}"; rename one with "as"`);
    names.add(c);
  }
  const groupBy = config.groupBy;
  const keyOfValues = (values: readonly (FieldValue | undefined)[]): string =>
    values.length === 1 ? valueKey(values[0]) : values.map(partKey).join(PART_SEPARATOR);
  const groupKey =
    groupBy.length === 0
      ? () => ''
      : groupBy.length === 1
        ? (e: Event) => valueKey(e[groupBy[0]!])
        : (e: Event) => groupBy.map((g) => partKey(e[g])).join(PART_SEPARATOR);
  return {
    pipeline,
    config,
    name: config.name,
    table: windowTableName(config.name),
    groupBy,
    columns,
    allowedLateness: config.allowedLateness,
    groupKey,
    keyOfValues,
    makeRow: rowFactory(
      pipeline,
      config.name,
      groupBy,
      columns.map((c) => c.column),
    ),
    addEvent: stateAdder(columns),
  };
}

/**
 * {@link WindowSpec.addEvent} unrolled for one window's columns: each aggregator is called from a
 * line of its own and each field read by its name. In the generic loop one call site served every
 * aggregator of every window and one property load every field, so V8 could inline neither; here
 * each site sees one aggregator and one name. Field names are quoted with JSON.stringify.
 */
function stateAdder(columns: readonly AggregateColumn[]): (states: unknown[], event: Event) => void {
  const lines = columns.map((c, i) => {
    if (c.field === undefined) return `s[${i}] = a${i}.add(s[${i}], 1);`;
    const call = c.timed !== null ? `t${i}.addAt(s[${i}], v, e.ts)` : `a${i}.add(s[${i}], v)`;
    return `v = e[${JSON.stringify(c.field)}]; if (v !== null && v !== undefined) s[${i}] = ${call};`;
  });
  const names = columns.flatMap((_, i) => [`a${i}`, `t${i}`]);
  const make = new Function(...names, `return function addEvent(s, e) { let v; ${lines.join(' ')} };`) as (
    ...aggregators: unknown[]
  ) => (states: unknown[], event: Event) => void;
  return make(...columns.flatMap((c) => [c.agg, c.timed]));
}

/**
 * The window's {@link RowFactory}: one object literal compiled for its columns, so a row gets its
 * final shape at once (a window emits a row per group, and a field-by-field build goes through a
 * map transition, a keyed store and a property-array growth per column). Names are identifiers
 * (the config checks them) quoted with JSON.stringify; a `__proto__` key would set the prototype
 * in a literal, so it is written computed (`["__proto__"]`), which defines an own property.
 */
function rowFactory(pipeline: string, window: string, groupBy: string[], columns: string[]): RowFactory {
  const key = (name: string): string =>
    name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
  const members = [
    `"pipeline": P`,
    `"window": W`,
    ...groupBy.map((g, i) => `${key(g)}: g[at + ${i}] ?? null`),
    `"start": start`,
    `"end": end`,
    `"version": version`,
    `"retracted": retracted`,
    ...columns.map((c, i) => `${key(c)}: r[${i}]`),
  ];
  return new Function(
    'P',
    'W',
    `return function windowRow(start, end, version, retracted, g, at, r) { return { ${members.join(', ')} }; };`,
  )(pipeline, window) as RowFactory;
}

/*
 * Group keys are one-to-one with group values, so two groups never share a key (and a row):
 * a string is its own key, except that one starting with NUL gets another NUL in front; null (or
 * absent) is a lone NUL, which no string's key is; numbers and booleans are their text (a field
 * has one type, so they never meet strings). With several fields, each part's separator and
 * escape characters are escaped and the parts joined by the separator. Keys of strings and
 * numbers are the text they always were, so checkpoints written before keep their keys.
 */
const NULL_KEY = '\u0000';
const PART_SEPARATOR = '\u0001';
const PART_ESCAPE = '\u0002';
// eslint-disable-next-line no-control-regex -- the separator and escape are control characters
const NEEDS_ESCAPE = /[\u0001\u0002]/;
// eslint-disable-next-line no-control-regex
const ESCAPED = /[\u0001\u0002]/g;

function valueKey(v: FieldValue | undefined): string {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? NULL_KEY + v : v;
  return v === null || v === undefined ? NULL_KEY : String(v);
}

function partKey(v: FieldValue | undefined): string {
  const key = valueKey(v);
  return NEEDS_ESCAPE.test(key) ? key.replace(ESCAPED, (c) => PART_ESCAPE + c) : key;
}

const FIELD_COLUMN: Record<string, ColumnType> = {
  number: 'float64',
  integer: 'int64',
  string: 'string',
  boolean: 'bool',
};

/** The table a window writes: keyed by (pipeline, window, group values, start), replaced by version. */
export function windowTableSpec(spec: WindowSpec, schema: EventSchemaConfig): TableSpec {
  const groupColumns: ColumnSpec[] = spec.groupBy.map((g) => ({
    name: g,
    type: g === 'key' ? 'string' : (FIELD_COLUMN[schema.fields[g] ?? 'string'] ?? 'string'),
  }));
  return {
    name: spec.table,
    columns: [
      { name: 'pipeline', type: 'string' },
      { name: 'window', type: 'string' },
      ...groupColumns,
      { name: 'start', type: 'int64' },
      { name: 'end', type: 'int64' },
      { name: 'version', type: 'int64' },
      { name: 'retracted', type: 'bool' },
      ...spec.columns.map((c): ColumnSpec => ({
        name: c.column,
        type: resultColumnType(c, schema),
        nullable: true,
      })),
    ],
    key: ['pipeline', 'window', ...spec.groupBy, 'start'],
    versionColumn: 'version',
    timeColumn: 'start',
  };
}

/** first/last have the type of their field, which only the schema knows; other JSON results are text. */
function resultColumnType(c: AggregateColumn, schema: EventSchemaConfig): ColumnType {
  if (c.timed && c.field !== undefined) return FIELD_COLUMN[schema.fields[c.field] ?? 'string'] ?? 'string';
  return c.agg.resultType === 'json' ? 'string' : c.agg.resultType;
}

export function createStates(columns: AggregateColumn[]): unknown[] {
  return columns.map((c) => c.agg.create());
}

/** Merges `from` into `into` (mutating `into`, never `from`). */
export function mergeStates(columns: AggregateColumn[], into: unknown[], from: unknown[]): unknown[] {
  for (let i = 0; i < columns.length; i++) into[i] = columns[i]!.agg.merge(into[i], from[i]);
  return into;
}

/** A window row, ready for a sink. Results that are objects (top-k) are written as JSON text. */
export function windowRow(
  spec: WindowSpec,
  start: number,
  end: number,
  version: number,
  groupValues: FieldValue[],
  states: unknown[] | null,
): Row {
  const results = resultScratch;
  for (let i = 0; i < spec.columns.length; i++)
    results[i] = states === null ? null : resultValue(spec.columns[i]!.agg.result(states[i]));
  return spec.makeRow(start, end, version, states === null, groupValues, 0, results);
}

/**
 * The row of a window made of several panes: each aggregate is the merge of `panes[0..n)` (their
 * group arrays, see {@link createGroup}, in pane order), read in place where the aggregator can,
 * so no merged state is built per row. Gives exactly the row of {@link windowRow} over the merged
 * states.
 */
export function mergedWindowRow(
  spec: WindowSpec,
  start: number,
  end: number,
  version: number,
  panes: readonly unknown[][],
  n: number,
): Row {
  const results = resultScratch;
  const column = columnScratch;
  for (let i = 0; i < spec.columns.length; i++) {
    const c = spec.columns[i]!;
    let r: unknown;
    if (n === 1) r = c.agg.result(panes[0]![i]);
    else if (c.merged !== null) {
      for (let p = 0; p < n; p++) column[p] = panes[p]![i];
      r = c.merged.mergedResult(column, n);
      column.fill(undefined, 0, n); // hold no state past the call
    } else {
      let into = c.agg.create();
      for (let p = 0; p < n; p++) into = c.agg.merge(into, panes[p]![i]);
      r = c.agg.result(into);
    }
    results[i] = resultValue(r);
  }
  return spec.makeRow(start, end, version, false, panes[0]!, spec.columns.length, results);
}

/** One column's states across panes, reused by {@link mergedWindowRow}. */
const columnScratch: unknown[] = [];
/** A row's aggregate results (primitives), reused by {@link windowRow} and {@link mergedWindowRow}. */
const resultScratch: FieldValue[] = [];

function resultValue(r: unknown): FieldValue {
  return r === null || r === undefined ? null : typeof r === 'object' ? JSON.stringify(r) : (r as FieldValue);
}

/**
 * A group's state in one pane as one array: the aggregate states (indices 0..columns) followed by
 * the group-by values. One object per group and pane instead of three, for windows with millions
 * of groups open; {@link WindowSpec.addEvent} and {@link mergeStates} read the leading states as usual.
 */
export function createGroup(spec: WindowSpec, event: Event): unknown[] {
  const columns = spec.columns;
  const group = new Array<unknown>(columns.length + spec.groupBy.length);
  for (let i = 0; i < columns.length; i++) group[i] = columns[i]!.agg.create();
  for (let j = 0; j < spec.groupBy.length; j++) group[columns.length + j] = event[spec.groupBy[j]!] ?? null;
  return group;
}

export function groupValuesOf(spec: WindowSpec, event: Event): FieldValue[] {
  return spec.groupBy.map((g) => event[g] ?? null);
}
