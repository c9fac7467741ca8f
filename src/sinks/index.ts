import type { SinkConfig } from '../core/config/sinks.js';
import { ClickhouseSink } from './clickhouse-sink.js';
import { DuckdbSink } from './duckdb-sink.js';
import { JsonlSink } from './jsonl-sink.js';
import type { Sink } from './sink.js';

export type { ColumnSpec, QueryOptions, Row, Sink, TableSpec } from './sink.js';
export { ClickhouseSink } from './clickhouse-sink.js';
export { DuckdbSink } from './duckdb-sink.js';
export { JsonlSink, readDeduplicated } from './jsonl-sink.js';
export { quoteIdentifier, sqlLiteral, type SqlDialect, type SqlValue } from './sql-literal.js';

/**
 * Builds the sink a (validated) config names. Nothing connects here: the first `ensureTables`
 * opens the database or the connection.
 *
 * @example const sink = createSink({ type: 'duckdb', path: 'data/streamlearn.duckdb' });
 */
export function createSink(config: SinkConfig): Sink {
  switch (config.type) {
    case 'clickhouse':
      return new ClickhouseSink(config);
    case 'duckdb':
      return new DuckdbSink(config);
    case 'jsonl':
      return new JsonlSink(config);
  }
}
