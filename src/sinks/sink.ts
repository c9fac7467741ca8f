import type { FieldValue } from '../core/event.js';
import type { ColumnType } from '../windows/aggregator.js';

/** A row as sinks write it: column name → value. */
export type Row = Record<string, FieldValue>;

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Whether the column may hold null (aggregates of empty windows). */
  nullable?: boolean;
}

/**
 * A table a part of the pipeline writes. Tables are idempotent: rows with the same `key` replace
 * each other, the highest `versionColumn` winning (ClickHouse `ReplacingMergeTree(version)`, read
 * with `FINAL`), so a replay after a crash converges to the same table.
 */
export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  /** Columns that identify a row (ClickHouse ORDER BY). */
  key: string[];
  /** Column deciding which duplicate wins. */
  versionColumn: string;
  /** Column reads filter on by time (`from`/`to`) and order by. */
  timeColumn: string;
}

export interface QueryOptions {
  /** Inclusive lower bound on `timeColumn` (epoch ms). */
  from?: number;
  /** Exclusive upper bound on `timeColumn` (epoch ms). */
  to?: number;
  /** Equality filters on key columns; values are typed and encoded by the sink, never concatenated. */
  where?: Record<string, string | number | boolean>;
  /** Newest first, at most this many rows. */
  limit?: number;
}

/** Where results go. `write` resolves only when the rows are durable. */
export interface Sink {
  readonly kind: string;
  /** Creates the tables if missing (idempotent). */
  ensureTables(tables: TableSpec[]): Promise<void>;
  write(table: string, rows: Row[]): Promise<void>;
  /** Latest version of each row (deduplicated), newest first by time. */
  query(table: string, options?: QueryOptions): Promise<Row[]>;
  /** Throws when the sink is unreachable (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
