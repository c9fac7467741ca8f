import { StreamlearnError } from '../core/errors.js';
import type { ColumnSpec, TableSpec } from './sink.js';

/** A column as an existing table holds it: its native type (without a Nullable wrapper). */
export interface ExistingColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/** An existing table as a sink reads it back: its columns and its key (ORDER BY / PRIMARY KEY). */
export interface ExistingTable {
  columns: ExistingColumn[];
  key: string[];
}

/** What an existing table needs before it takes the spec's rows. */
export interface TableChanges {
  /** Spec columns the table lacks, to add as nullable columns (rows written before read null). */
  add: ColumnSpec[];
  /** Table columns the spec no longer writes that refuse nulls: they must take them. */
  relax: string[];
}

/**
 * How a table an earlier config created must change to take this spec's rows, or why it cannot.
 * Restarting with a window that gained an aggregate is routine: its column is added. A changed
 * key (the window's group-by changed), a column whose type changed, or a column that refuses
 * nulls the spec may write cannot be fixed by the sink without rewriting data, so the start fails
 * naming the table, every difference and the way out — instead of the first insert failing
 * minutes into the run.
 *
 * @param nativeType the sink's type of a spec column (as `existing` spells types).
 * @param where how the message names the table (`db.table`).
 */
export function tableChanges(
  spec: TableSpec,
  existing: ExistingTable,
  nativeType: (column: ColumnSpec) => string,
  where: string,
): TableChanges {
  const problems: string[] = [];
  if (existing.key.join(',') !== spec.key.join(','))
    problems.push(`its key is (${existing.key.join(', ')}), this pipeline writes (${spec.key.join(', ')})`);
  const byName = new Map(existing.columns.map((c) => [c.name, c]));
  const add: ColumnSpec[] = [];
  for (const column of spec.columns) {
    const held = byName.get(column.name);
    if (held === undefined) {
      add.push(column);
      continue;
    }
    const want = nativeType(column);
    if (held.type !== want)
      problems.push(`column ${column.name} is ${held.type}, this pipeline writes ${want}`);
    else if (column.nullable && !held.nullable)
      problems.push(`column ${column.name} refuses nulls, this pipeline may write null there`);
  }
  if (problems.length > 0)
    throw new StreamlearnError(
      'SL_ERR_CONFIG',
      `table ${where} was created by another configuration: ${problems.join('; ')}. ` +
        'Give the window a new name (a new table), or drop or rename the table',
    );
  const wanted = new Set(spec.columns.map((c) => c.name));
  const relax = existing.columns.filter((c) => !wanted.has(c.name) && !c.nullable).map((c) => c.name);
  return { add, relax };
}
