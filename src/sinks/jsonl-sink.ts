import { open, mkdir, readFile, type FileHandle } from 'node:fs/promises';
import { syncDir } from '../core/durable-fs.js';
import { join } from 'node:path';
import type { JsonlSinkConfig } from '../core/config/sinks.js';
import { StreamlearnError } from '../core/errors.js';
import type { QueryOptions, Row, Sink, TableSpec } from './sink.js';
import {
  checkLimit,
  compareByKey,
  compareNewestFirst,
  keyOf,
  prepareTable,
  rowValues,
  whereConditions,
  type PreparedTable,
} from './table-spec.js';

interface JsonlTable extends PreparedTable {
  file: string;
  handle: FileHandle;
  /** `{"col":` prefixes in column order, so every line has the same key order. */
  prefixes: string[];
  tail: Promise<unknown>;
}

/**
 * Append-only files, one `<table>.jsonl` per table in `dir`: every version of every row, one JSON
 * object per line with keys in the spec's column order. `write` appends and fsyncs before it
 * resolves. Reads replay the file and keep the highest version per key (ties: the later line), the
 * same rule as ReplacingMergeTree — fine for replays, tests and small demos, not for a large API.
 */
export class JsonlSink implements Sink {
  readonly kind = 'jsonl';
  private readonly dir: string;
  private readonly tables = new Map<string, JsonlTable>();
  private closed = false;

  constructor(config: Pick<JsonlSinkConfig, 'dir'>) {
    this.dir = config.dir;
  }

  async ensureTables(specs: TableSpec[]): Promise<void> {
    const prepared = specs.map(prepareTable);
    await mkdir(this.dir, { recursive: true });
    for (const t of prepared) {
      if (this.tables.has(t.spec.name)) continue;
      const file = join(this.dir, `${t.spec.name}.jsonl`);
      const handle = await open(file, 'a+');
      try {
        await dropTornTail(handle);
        await syncDir(this.dir);
      } catch (err) {
        await handle.close();
        throw sinkError(`cannot open ${file}`, err);
      }
      const prefixes = t.spec.columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
      this.tables.set(t.spec.name, { ...t, file, handle, prefixes, tail: Promise.resolve() });
    }
  }

  async write(table: string, rows: Row[]): Promise<void> {
    const t = this.table(table);
    if (this.closed)
      throw new StreamlearnError('SL_ERR_SINK', 'the JSONL sink is closed', { retriable: false });
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) {
      const values = rowValues(t, row);
      for (let i = 0; i < values.length; i++) text += t.prefixes[i] + JSON.stringify(values[i]);
      text += '}\n';
    }
    // Appends to one file are serialised so that lines never interleave.
    const run = t.tail.then(async () => {
      try {
        await t.handle.appendFile(text);
        await t.handle.datasync();
      } catch (err) {
        throw sinkError(`append to ${t.file} failed`, err);
      }
    });
    t.tail = run.catch(() => undefined);
    await run;
  }

  async query(table: string, options: QueryOptions = {}): Promise<Row[]> {
    const t = this.table(table);
    whereConditions(t, options, 'duckdb'); // validates the filters the same way the SQL sinks do
    const limit = checkLimit(options.limit);
    await t.tail;
    const { from, to, where = {} } = options;
    const time = t.spec.timeColumn;
    const filters = Object.entries(where);
    const rows = (await readLatest(t.file, t)).filter((r) => {
      const ts = r[time] as number;
      if (from !== undefined && ts < from) return false;
      if (to !== undefined && ts >= to) return false;
      return filters.every(([name, v]) => r[name] === v);
    });
    rows.sort(compareNewestFirst(t));
    return limit === undefined ? rows : rows.slice(0, limit);
  }

  /** Every row (latest version per key) ordered by key. */
  async queryAll(table: string): Promise<Row[]> {
    const t = this.table(table);
    await t.tail;
    return (await readLatest(t.file, t)).sort(compareByKey(t));
  }

  async ping(): Promise<void> {
    await mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      throw sinkError(`cannot reach ${this.dir}`, err);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.tables.values()) {
      await t.tail;
      await t.handle.close();
    }
  }

  private table(name: string): JsonlTable {
    const t = this.tables.get(name);
    if (!t)
      throw new StreamlearnError('SL_ERR_NOT_FOUND', `table ${name} was not declared with ensureTables`);
    return t;
  }
}

/**
 * The latest version of every row of `<dir>/<table>.jsonl`, ordered by key — what a replay compares
 * against its expected output. A missing file is an empty table.
 *
 * @example const rows = await readDeduplicated('out', 'win_1m', spec);
 */
export async function readDeduplicated(dir: string, table: string, spec: TableSpec): Promise<Row[]> {
  const t = prepareTable(spec);
  return (await readLatest(join(dir, `${table}.jsonl`), t)).sort(compareByKey(t));
}

async function readLatest(file: string, t: PreparedTable): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw sinkError(`cannot read ${file}`, err);
  }
  const version = t.spec.versionColumn;
  const latest = new Map<string, Row>();
  let start = 0;
  let lineNo = 0;
  // Only newline-terminated lines count: a torn last line was never acknowledged.
  for (let end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
    lineNo++;
    if (end === start) continue;
    let row: Row;
    try {
      row = JSON.parse(text.slice(start, end)) as Row;
    } catch (err) {
      throw sinkError(`${file}:${lineNo} is not valid JSON`, err, false);
    }
    const k = keyOf(t, row);
    const prev = latest.get(k);
    if (!prev || (row[version] as number) >= (prev[version] as number)) latest.set(k, row);
  }
  return [...latest.values()];
}

/** Cuts a last line left without its newline by a crash mid-append, so new lines start clean. */
async function dropTornTail(handle: FileHandle): Promise<void> {
  const { size } = await handle.stat();
  if (size === 0) return;
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  for (;;) {
    const start = Math.max(0, end - chunk.length);
    await handle.read(chunk, 0, end - start, start);
    const nl = chunk.subarray(0, end - start).lastIndexOf(0x0a);
    if (nl !== -1) {
      if (start + nl + 1 !== size) await handle.truncate(start + nl + 1);
      return;
    }
    if (start === 0) return void (await handle.truncate(0));
    end = start;
  }
}

/** fsyncs a folder so a newly created file's entry survives a crash. */

function sinkError(message: string, cause: unknown, retriable?: boolean): StreamlearnError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new StreamlearnError('SL_ERR_SINK', message + detail, {
    cause,
    ...(retriable === undefined ? {} : { retriable }),
  });
}
