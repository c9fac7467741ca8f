import { Readable } from 'node:stream';
import { createClient, ClickHouseError, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import type { ClickhouseSinkConfig } from '../core/config/sinks.js';
import { isRetriable, StreamlearnError } from '../core/errors.js';
import { retry } from '../core/retry.js';
import type { ColumnType } from '../windows/aggregator.js';
import type { ColumnSpec, QueryOptions, Row, Sink, TableSpec } from './sink.js';
import { quoteIdentifier, sqlLiteral } from './sql-literal.js';
import { RowBinaryEncoder, type RowBinaryColumn } from './row-binary.js';
import { tableChanges, type ExistingTable } from './table-evolution.js';
import { checkLimit, prepareTable, rowValues, whereConditions, type PreparedTable } from './table-spec.js';

const q = (name: string): string => quoteIdentifier(name, 'clickhouse');

// 18.16 has no DateTime64 and no Bool: times are Int64 epoch ms, booleans UInt8.
const CH_TYPES: Record<ColumnType, string> = {
  float64: 'Float64',
  int64: 'Int64',
  string: 'String',
  bool: 'UInt8',
  json: 'String',
};

/**
 * ClickHouse error codes that no retry can fix: the query or the data is wrong (syntax, unknown
 * table/column, type or parse errors) or access is denied. 18.16 answers most exceptions with HTTP
 * 500, so the code in the message, not the status, tells a schema error from an overloaded server.
 */
const PERMANENT_CODES = new Set([
  1, 6, 8, 10, 16, 25, 26, 27, 36, 38, 41, 42, 43, 44, 46, 47, 48, 53, 60, 62, 69, 70, 72, 73, 81, 115, 117,
  164, 192, 193, 194, 349, 497, 516,
]);

/**
 * Settings for reads. A PREWHERE runs before `FINAL` collapses versions, so a filter on a non-key
 * column could match a stale version; a plain WHERE runs after. 18.16 already keeps WHERE with
 * `FINAL` (checked), this pins it.
 */
const READ_SETTINGS = { optimize_move_to_prewhere: 0 } as const;

/**
 * The production sink: ClickHouse tables `ReplacingMergeTree(version) ORDER BY (key)`, written in
 * batched `INSERT … FORMAT RowBinary` requests and read with `FINAL`, so duplicates left by
 * retries and replays are invisible to readers and merge away.
 *
 * Each batch of at most `batchRows` rows is one INSERT, which ClickHouse applies atomically as one
 * block. A batch that fails is retried whole with backoff (network errors and server-side
 * failures) until `retry.attempts` run out; schema and data errors fail at once, not retriable.
 * Re-sending a batch is harmless: `insert_deduplicate` only applies to Replicated tables, but
 * ReplacingMergeTree collapses the copies. `write` resolves when ClickHouse acknowledged every
 * batch: written to a part on disk, but 18.16 has no `fsync_after_insert`, so a power loss right
 * after the acknowledgement may still lose the newest parts (a process crash does not).
 */
export class ClickhouseSink implements Sink {
  readonly kind = 'clickhouse';
  private readonly client: ClickHouseClient;
  private readonly db: string;
  private readonly tables = new Map<string, PreparedTable>();
  /** Each table's columns as RowBinary writes them (in the spec's order, nullability as held). */
  private readonly layouts = new Map<string, RowBinaryColumn[]>();

  /**
   * @param hooks.onRetry called before each retry of a request (for logs and metrics).
   */
  constructor(
    private readonly config: ClickhouseSinkConfig,
    private readonly hooks: { onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {},
  ) {
    this.db = q(config.database);
    this.client = createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      // No `database`: it is sent with every request and would fail before CREATE DATABASE.
      request_timeout: config.requestTimeout,
      compression: { request: false, response: false },
      application: 'streamlearn',
      // Failures reach the caller as SL_ERR_SINK (and retries through hooks.onRetry): no second log.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  async ensureTables(specs: TableSpec[]): Promise<void> {
    const prepared = specs.map(prepareTable);
    await this.run('create the database', () =>
      this.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.db}` }),
    );
    for (const t of prepared) {
      const type = (c: ColumnSpec): string => (c.name === t.spec.versionColumn ? 'UInt64' : CH_TYPES[c.type]);
      const cols = t.spec.columns.map((c) => `${q(c.name)} ${c.nullable ? `Nullable(${type(c)})` : type(c)}`);
      const target = `${this.db}.${q(t.spec.name)}`;
      const ddl =
        `CREATE TABLE IF NOT EXISTS ${target} (${cols.join(', ')}) ` +
        `ENGINE = ReplacingMergeTree(${q(t.spec.versionColumn)}) ORDER BY (${t.spec.key.map(q).join(', ')})`;
      await this.run(`create table ${t.spec.name}`, () => this.client.command({ query: ddl }));
      // a table an earlier configuration created: add the columns this one writes besides
      const existing = await this.describe(t.spec.name);
      const changes = tableChanges(t.spec, existing, type, `${this.config.database}.${t.spec.name}`);
      for (const c of changes.add) {
        const alter = `ALTER TABLE ${target} ADD COLUMN ${q(c.name)} Nullable(${type(c)})`;
        await this.run(`add column ${c.name} to ${t.spec.name}`, () =>
          this.client.command({ query: alter }),
        ).catch(async (err: unknown) => {
          // another instance starting at the same moment may have added it
          const now = await this.describe(t.spec.name);
          if (!now.columns.some((held) => held.name === c.name)) throw err;
        });
      }
      // columns the configuration no longer writes take ClickHouse's defaults: nothing to relax
      this.tables.set(t.spec.name, t);
      // RowBinary follows the table as it is: a column an earlier run added is Nullable even
      // where this configuration never writes null (the null-flag byte is then always 0)
      const held = new Map(existing.columns.map((c) => [c.name, c.nullable]));
      this.layouts.set(
        t.spec.name,
        t.spec.columns.map((c) => ({ type: c.type, nullable: held.get(c.name) ?? true })),
      );
    }
  }

  /** The columns (native types, Nullable unwrapped) and sorting key of an existing table. */
  private async describe(table: string): Promise<ExistingTable> {
    const db = sqlLiteral(this.config.database, 'clickhouse');
    const name = sqlLiteral(table, 'clickhouse');
    const rows = async <T>(query: string): Promise<T[]> =>
      (await this.client.query({ query, format: 'JSONEachRow' })).json<T>();
    return this.run(`describe table ${table}`, async () => {
      const columns = await rows<{ name: string; type: string }>(
        `SELECT name, type FROM system.columns WHERE database = ${db} AND table = ${name}`,
      );
      const [info] = await rows<{ sorting_key: string }>(
        `SELECT sorting_key FROM system.tables WHERE database = ${db} AND name = ${name}`,
      );
      return {
        columns: columns.map(({ name, type }) => {
          const nullable = /^Nullable\((.*)\)$/.exec(type);
          return { name, type: nullable ? nullable[1]! : type, nullable: nullable !== null };
        }),
        // "a, b" (identifiers are plain, so never quoted there)
        key: (info?.sorting_key ?? '')
          .split(',')
          .map((k) => k.trim().replace(/^`|`$/g, ''))
          .filter((k) => k !== ''),
      };
    });
  }

  async write(table: string, rows: Row[]): Promise<void> {
    const t = this.table(table);
    // Every row is checked before the first batch is sent: a bad row refuses the whole write.
    const encoder = new RowBinaryEncoder(this.layouts.get(table)!);
    const batches: Buffer[] = [];
    const { batchRows } = this.config;
    for (let i = 0; i < rows.length; i++) {
      encoder.add(rowValues(t, rows[i]!));
      if ((i + 1) % batchRows === 0 || i === rows.length - 1) batches.push(encoder.take());
    }
    const query = `INSERT INTO ${this.db}.${q(t.spec.name)} (${columnList(t)}) FORMAT RowBinary`;
    for (const body of batches)
      await this.run(`insert into ${table}`, async () => {
        // a fresh stream per attempt: a retry sends the batch again
        const result = await this.client.exec({
          query,
          values: Readable.from([body], { objectMode: false }),
        });
        // the answer is empty; reading it to the end hands the socket back to the pool
        for await (const _ of result.stream);
      });
  }

  async query(table: string, options: QueryOptions = {}): Promise<Row[]> {
    const t = this.table(table);
    const conds = whereConditions(t, options, 'clickhouse');
    const limit = checkLimit(options.limit);
    const order = [`${q(t.spec.timeColumn)} DESC`, ...t.spec.key.map((k) => `${q(k)} ASC`)].join(', ');
    return this.select(
      t,
      `SELECT ${columnList(t)} FROM ${this.db}.${q(t.spec.name)} FINAL` +
        (conds.length ? ` WHERE ${conds.join(' AND ')}` : '') +
        ` ORDER BY ${order}` +
        (limit === undefined ? '' : ` LIMIT ${limit}`),
    );
  }

  /** Every row (latest version per key, with `FINAL`) ordered by key — for comparing tables. */
  async queryAll(table: string): Promise<Row[]> {
    const t = this.table(table);
    return this.select(
      t,
      `SELECT ${columnList(t)} FROM ${this.db}.${q(t.spec.name)} FINAL ORDER BY ${t.spec.key.map(q).join(', ')}`,
    );
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success)
      throw new StreamlearnError('SL_ERR_SINK', `ClickHouse ping failed: ${result.error.message}`, {
        cause: result.error,
      });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async select(t: PreparedTable, query: string): Promise<Row[]> {
    const rows = await this.run(`query ${t.spec.name}`, async () => {
      const rs = await this.client.query({
        query,
        format: 'JSONEachRow',
        clickhouse_settings: READ_SETTINGS,
      });
      return rs.json<Record<string, unknown>>();
    });
    return rows.map((r) => decodeRow(t, r));
  }

  /** Runs one request with retries; every failure leaves as SL_ERR_SINK with its retry hint. */
  private run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { attempts, initialDelay, maxDelay } = this.config.retry;
    const opts = {
      attempts,
      initialDelayMs: initialDelay,
      maxDelayMs: maxDelay,
      retryIf: retriable,
      onRetry: this.hooks.onRetry,
    };
    return retry(fn, opts).catch((err: unknown) => {
      if (err instanceof StreamlearnError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new StreamlearnError('SL_ERR_SINK', `ClickHouse ${what} failed: ${message}`, {
        cause: err,
        retriable: retriable(err),
      });
    });
  }

  private table(name: string): PreparedTable {
    const t = this.tables.get(name);
    if (!t)
      throw new StreamlearnError('SL_ERR_NOT_FOUND', `table ${name} was not declared with ensureTables`);
    return t;
  }
}

function retriable(err: unknown): boolean {
  if (err instanceof StreamlearnError) return err.retriable;
  const code = serverCode(err);
  if (code !== undefined) return !PERMANENT_CODES.has(code);
  // Transport failures: refused/reset connections, timeouts, a server that went away mid-answer.
  return (
    isRetriable(err) || (err instanceof Error && !(err instanceof TypeError || err instanceof RangeError))
  );
}

/**
 * The ClickHouse error code of a server exception. The client only builds a ClickHouseError from the
 * modern `… (TYPE_NAME)` message; 18.16 answers `Code: 60, e.displayText() = DB::Exception: …`,
 * which reaches us as a plain Error carrying that text.
 */
function serverCode(err: unknown): number | undefined {
  if (err instanceof ClickHouseError) return Number(err.code);
  const m = err instanceof Error ? /^\s*Code: (\d+)[,.]/.exec(err.message) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The spec's columns in order, quoted: reads and inserts name them, as a table created by an
 * older spec may hold more.
 */
function columnNames(t: PreparedTable): [string, ...string[]] {
  return t.spec.columns.map((c) => q(c.name)) as [string, ...string[]];
}

function columnList(t: PreparedTable): string {
  return columnNames(t).join(', ');
}

/** ClickHouse quotes 64-bit integers in JSON and has no Bool: map back to the spec's types. */
function decodeRow(t: PreparedTable, raw: Record<string, unknown>): Row {
  const out: Row = {};
  for (const c of t.spec.columns) {
    const v = raw[c.name];
    if (v === null || v === undefined) out[c.name] = null;
    else if (c.type === 'int64') out[c.name] = Number(v);
    else if (c.type === 'bool') out[c.name] = v === 1 || v === true || v === '1';
    else out[c.name] = v as Row[string];
  }
  return out;
}
