import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { DuckdbSinkConfig } from '../core/config/sinks.js';
import { StreamlearnError } from '../core/errors.js';
import type { FieldValue } from '../core/event.js';
import type { ColumnType } from '../windows/aggregator.js';
import type { ColumnSpec, QueryOptions, Row, Sink, TableSpec } from './sink.js';
import { quoteIdentifier, sqlLiteral } from './sql-literal.js';
import { tableChanges, type ExistingTable } from './table-evolution.js';
import {
  checkLimit,
  compareByKey,
  keyOf,
  prepareTable,
  rowValues,
  whereConditions,
  type PreparedTable,
} from './table-spec.js';

const q = (name: string): string => quoteIdentifier(name, 'duckdb');

/** The columns and primary key of an existing table (in the connection's current schema). */
async function describeTable(conn: DuckDBConnection, table: string): Promise<ExistingTable> {
  const name = sqlLiteral(table, 'duckdb');
  const columns = (
    await conn.runAndReadAll(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns ` +
        `WHERE table_schema = current_schema() AND table_name = ${name} ORDER BY ordinal_position`,
    )
  ).getRowObjectsJS() as { column_name: string; data_type: string; is_nullable: string }[];
  const [pk] = (
    await conn.runAndReadAll(
      `SELECT constraint_column_names FROM duckdb_constraints() ` +
        `WHERE schema_name = current_schema() AND table_name = ${name} AND constraint_type = 'PRIMARY KEY'`,
    )
  ).getRowObjectsJS() as { constraint_column_names: string[] }[];
  return {
    columns: columns.map((c) => ({
      name: c.column_name,
      type: c.data_type,
      nullable: c.is_nullable === 'YES',
    })),
    key: pk?.constraint_column_names ?? [],
  };
}

const DUCK_TYPES: Record<ColumnType, string> = {
  float64: 'DOUBLE',
  int64: 'BIGINT',
  string: 'VARCHAR',
  bool: 'BOOLEAN',
  json: 'VARCHAR', // the JSON type needs an extension DuckDB may have to download
};

interface DuckTable extends PreparedTable {
  stage: string;
  upsertSql: string;
}

/**
 * The embedded default sink: one DuckDB file. Each table has `PRIMARY KEY (key)` and a write is an
 * upsert that keeps the highest version (ties: the later write wins, as in ReplacingMergeTree), so
 * the table itself is always deduplicated and replays converge.
 *
 * A write appends the rows (deduplicated in memory first, since one INSERT may not touch a key
 * twice) to a temporary staging table with the Appender, then runs
 * `INSERT … SELECT … ON CONFLICT DO UPDATE SET … WHERE excluded.version >= t.version`, all in one
 * transaction; DuckDB syncs its WAL on commit, so `write` resolves when the rows are durable.
 *
 * DuckDB allows one process per file (a second one fails with `IO Error: Could not set lock`,
 * reported as a retriable SL_ERR_SINK). Inside the process, sinks on the same file share one
 * instance, so the API reads through the instance the pipeline writes with; each sink serialises
 * its own statements on its own connection.
 */
export class DuckdbSink implements Sink {
  readonly kind = 'duckdb';
  /** Absolute path of the database file; undefined for `:memory:`. */
  private readonly file: string | undefined;
  private readonly tables = new Map<string, DuckTable>();
  private opened: Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> | undefined;
  /** Serialises statements: one connection, one transaction at a time. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(config: Pick<DuckdbSinkConfig, 'path'>) {
    this.file = config.path === ':memory:' ? undefined : resolve(config.path);
  }

  async ensureTables(specs: TableSpec[]): Promise<void> {
    const prepared = specs.map(prepareTable);
    await this.exclusive(async (conn) => {
      for (const t of prepared) {
        const stage = this.tables.get(t.spec.name)?.stage ?? `_sl_stage_${this.tables.size}`;
        const type = (c: ColumnSpec): string =>
          c.name === t.spec.versionColumn ? 'UBIGINT' : DUCK_TYPES[c.type];
        const cols = t.spec.columns.map((c) => `${q(c.name)} ${type(c)}${c.nullable ? '' : ' NOT NULL'}`);
        await conn.run(
          `CREATE TABLE IF NOT EXISTS ${q(t.spec.name)} (${cols.join(', ')}, PRIMARY KEY (${t.spec.key.map(q).join(', ')}))`,
        );
        // a table an earlier configuration created: add the columns this one writes besides, and
        // let the ones it no longer writes take nulls (an upsert names only the spec's columns)
        const changes = tableChanges(t.spec, await describeTable(conn, t.spec.name), type, t.spec.name);
        for (const c of changes.add)
          await conn.run(`ALTER TABLE ${q(t.spec.name)} ADD COLUMN ${q(c.name)} ${type(c)}`);
        for (const name of changes.relax)
          await conn.run(`ALTER TABLE ${q(t.spec.name)} ALTER COLUMN ${q(name)} DROP NOT NULL`);
        const names = columnList(t);
        await conn.run(
          `CREATE OR REPLACE TEMP TABLE ${q(stage)} AS SELECT ${names} FROM ${q(t.spec.name)} LIMIT 0`,
        );
        const updates = t.spec.columns
          .filter((c) => !t.spec.key.includes(c.name))
          .map((c) => `${q(c.name)} = excluded.${q(c.name)}`)
          .join(', ');
        const v = q(t.spec.versionColumn);
        const upsertSql =
          `INSERT INTO ${q(t.spec.name)} (${names}) SELECT ${names} FROM ${q(stage)} ` +
          `ON CONFLICT DO UPDATE SET ${updates} WHERE excluded.${v} >= ${q(t.spec.name)}.${v}`;
        this.tables.set(t.spec.name, { ...t, stage, upsertSql });
      }
    });
  }

  async write(table: string, rows: Row[]): Promise<void> {
    const t = this.table(table);
    if (rows.length === 0) return;
    // Keep the highest version per key (ties: the later row), so one INSERT never hits a key twice.
    const versionAt = t.spec.columns.findIndex((c) => c.name === t.spec.versionColumn);
    const latest = new Map<string, FieldValue[]>();
    for (const row of rows) {
      const values = rowValues(t, row);
      const k = keyOf(t, row);
      const prev = latest.get(k);
      if (!prev || (values[versionAt] as number) >= (prev[versionAt] as number)) latest.set(k, values);
    }
    await this.exclusive(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        const appender = await conn.createAppender(t.stage);
        try {
          for (const values of latest.values()) appendRow(appender, t, values, versionAt);
        } finally {
          appender.closeSync();
        }
        await conn.run(t.upsertSql);
        await conn.run(`DELETE FROM ${q(t.stage)}`);
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }, `write to ${table}`);
  }

  async query(table: string, options: QueryOptions = {}): Promise<Row[]> {
    const t = this.table(table);
    const conds = whereConditions(t, options, 'duckdb');
    const limit = checkLimit(options.limit);
    const order = [`${q(t.spec.timeColumn)} DESC`, ...t.spec.key.map((k) => `${q(k)} ASC`)].join(', ');
    return this.select(
      t,
      `SELECT ${columnList(t)} FROM ${q(t.spec.name)}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${order}` +
        (limit === undefined ? '' : ` LIMIT ${limit}`),
    );
  }

  /** Every row of a table (already deduplicated), ordered by key — for comparing tables in tests. */
  async queryAll(table: string): Promise<Row[]> {
    const t = this.table(table);
    const rows = await this.select(t, `SELECT ${columnList(t)} FROM ${q(t.spec.name)}`);
    // Sorted here rather than by DuckDB's collation, so every sink orders keys the same way.
    return rows.sort(compareByKey(t));
  }

  async ping(): Promise<void> {
    await this.exclusive((conn) => conn.run('SELECT 1'), 'ping');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    const opened = await this.opened?.catch(() => undefined);
    if (!opened) return;
    opened.conn.closeSync();
    releaseInstance(this.file, opened.instance);
  }

  private async select(t: DuckTable, sql: string): Promise<Row[]> {
    const reader = await this.exclusive((conn) => conn.runAndReadAll(sql), `query ${t.spec.name}`);
    const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    const big = t.spec.columns.filter((c) => c.type === 'int64').map((c) => c.name);
    for (const row of rows) {
      for (const name of big) {
        const v = row[name];
        if (typeof v === 'bigint') row[name] = Number(v);
      }
    }
    return rows as Row[];
  }

  private table(name: string): DuckTable {
    const t = this.tables.get(name);
    if (!t)
      throw new StreamlearnError('SL_ERR_NOT_FOUND', `table ${name} was not declared with ensureTables`);
    return t;
  }

  /** Runs `fn` on the connection after every earlier call finished; wraps DuckDB errors. */
  private exclusive<T>(fn: (conn: DuckDBConnection) => Promise<T>, what = 'ensure tables'): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new StreamlearnError('SL_ERR_SINK', 'the DuckDB sink is closed', { retriable: false }),
      );
    const run = this.tail.then(async () => {
      try {
        const { conn } = await this.open();
        return await fn(conn);
      } catch (err) {
        if (err instanceof StreamlearnError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        // I/O failures (a lock held by another process) and write conflicts between connections
        // may pass on retry; constraint, conversion and catalog errors will not.
        throw new StreamlearnError('SL_ERR_SINK', `DuckDB ${what} failed: ${message}`, {
          cause: err,
          retriable: /^(IO Error|TransactionContext Error)/i.test(message),
        });
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private open(): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
    this.opened ??= (async () => {
      const instance = await acquireInstance(this.file);
      try {
        return { instance, conn: await instance.connect() };
      } catch (err) {
        releaseInstance(this.file, instance);
        throw err;
      }
    })();
    // A failed open (say, another process holds the file) may succeed later: do not cache it.
    this.opened.catch(() => {
      this.opened = undefined;
    });
    return this.opened;
  }
}

/**
 * Open database files of this process, shared by absolute path. DuckDB's file lock only keeps
 * *other* processes out: two instances on one file inside a process would both write it, so sinks
 * on the same path share one instance (each with its own connection) and the last to close closes it.
 */
const shared = new Map<string, { instance: Promise<DuckDBInstance>; refs: number }>();

function acquireInstance(file: string | undefined): Promise<DuckDBInstance> {
  if (file === undefined) return DuckDBInstance.create(':memory:');
  let entry = shared.get(file);
  if (!entry) {
    const instance = mkdir(dirname(file), { recursive: true }).then(() => DuckDBInstance.create(file));
    const created = { instance, refs: 0 };
    shared.set(file, created);
    instance.catch(() => {
      if (shared.get(file) === created) shared.delete(file);
    });
    entry = created;
  }
  entry.refs++;
  return entry.instance;
}

function releaseInstance(file: string | undefined, instance: DuckDBInstance): void {
  const entry = file === undefined ? undefined : shared.get(file);
  if (entry && --entry.refs > 0) return;
  if (file !== undefined) shared.delete(file);
  instance.closeSync();
}

/** The spec's columns in order: a table created by an older spec may hold more. */
function columnList(t: PreparedTable): string {
  return t.spec.columns.map((c) => q(c.name)).join(', ');
}

function appendRow(
  appender: DuckDBAppender,
  t: PreparedTable,
  values: FieldValue[],
  versionAt: number,
): void {
  const cols = t.spec.columns;
  for (let i = 0; i < cols.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      appender.appendNull();
      continue;
    }
    switch (cols[i]!.type) {
      case 'int64':
        if (i === versionAt) appender.appendUBigInt(BigInt(v as number));
        else appender.appendBigInt(BigInt(v as number));
        break;
      case 'float64':
        appender.appendDouble(v as number);
        break;
      case 'bool':
        appender.appendBoolean(v as boolean);
        break;
      default:
        appender.appendVarchar(v as string);
    }
  }
  appender.endRow();
}
