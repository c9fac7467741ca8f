import type { FieldValue } from '../core/event.js';

/** Column types a result can have in a sink table (mapped to ClickHouse/DuckDB types by each sink). */
export type ColumnType = 'float64' | 'int64' | 'string' | 'bool' | 'json';

/** What an aggregate reads: see {@link Aggregator.input}. */
export type AggregateInput = 'none' | 'number' | 'any';

/** A JSON value: what aggregator state serialises to inside a checkpoint. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A mergeable aggregate over one window and group. `add` may mutate and return the state (the hot
 * path avoids allocation); `merge` must be associative and must not mutate `b`. Empty windows are
 * legal: `result(create())` is defined (usually `null` or 0).
 */
export interface Aggregator<S = unknown, R = FieldValue> {
  /** Registry name, e.g. `sum`. */
  readonly fn: string;
  readonly resultType: ColumnType;
  /**
   * What the aggregate reads from its field: nothing (`count`), numbers (other values are
   * skipped, so a string field would give an always-empty result: the config refuses it), or
   * any value.
   */
  readonly input: AggregateInput;
  create(): S;
  add(state: S, value: number | string | boolean): S;
  merge(a: S, b: S): S;
  result(state: S): R;
  toJSON(state: S): Json;
  fromJSON(json: Json): S;
}

/**
 * An optional ability: the result of merging several states, computed without building the merged
 * state. Hopping windows fire each group as the merge of its panes; reading the panes in place
 * saves a fresh state (and its sketches) per emitted row. `mergedResult(states, n)` must equal
 * `result` of `create()` merged with `states[0..n)` in order, bit for bit, and must not mutate them.
 */
export interface MergedResult<S = unknown, R = FieldValue> {
  mergedResult(states: readonly S[], n: number): R;
}

/** Whether `agg` offers {@link MergedResult}. */
export function hasMergedResult<S, R>(agg: Aggregator<S, R>): agg is Aggregator<S, R> & MergedResult<S, R> {
  return typeof (agg as Partial<MergedResult<S, R>>).mergedResult === 'function';
}

/** Options an aggregate spec may carry, validated by the config schema. */
export interface AggregatorOptions {
  q?: number;
  k?: number;
  accuracy?: number;
}

/** Builds an aggregator from its options; the registry maps config names to factories. */
export type AggregatorFactory = (options: AggregatorOptions) => Aggregator<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
