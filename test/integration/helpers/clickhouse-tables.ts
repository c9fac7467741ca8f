import { clickhouse } from './services.js';

/**
 * Every row of `database.table` as the readers see it (`FINAL`: the newest version per key, rows
 * of retracted sessions left out), each as JSON without the `omit` columns and after `normalise`,
 * sorted. Two runs of a deterministic pipeline give equal lists; `omit: ['pipeline']` compares
 * runs under other names.
 */
export async function finalRows(
  database: string,
  table: string,
  omit: readonly string[] = [],
  normalise?: (row: Record<string, unknown>) => void,
): Promise<string[]> {
  const ch = clickhouse();
  try {
    const res = await ch.query({ query: `SELECT * FROM ${database}.${table} FINAL`, format: 'JSONEachRow' });
    const rows = (await res.json()) as Record<string, unknown>[];
    return rows
      .filter((r) => !r.retracted)
      .map((r) => {
        for (const column of omit) delete r[column];
        normalise?.(r);
        return JSON.stringify(r);
      })
      .sort();
  } finally {
    await ch.close();
  }
}

/** How two sorted row lists differ: counts and the first few rows found on one side only. */
export interface RowDiff {
  compared: number;
  mismatches: number;
  onlyWant: string[];
  onlyGot: string[];
}

/** Compares sorted row lists as multisets; `mismatches` counts rows missing on either side. */
export function diffRows(want: readonly string[], got: readonly string[], show = 3): RowDiff {
  const onlyWant: string[] = [];
  const onlyGot: string[] = [];
  let i = 0;
  let j = 0;
  while (i < want.length || j < got.length) {
    const a = want[i];
    const b = got[j];
    if (a !== undefined && a === b) {
      i++;
      j++;
    } else if (b === undefined || (a !== undefined && a < b)) {
      onlyWant.push(a!);
      i++;
    } else {
      onlyGot.push(b);
      j++;
    }
  }
  return {
    compared: Math.max(want.length, got.length),
    mismatches: onlyWant.length + onlyGot.length,
    onlyWant: onlyWant.slice(0, show),
    onlyGot: onlyGot.slice(0, show),
  };
}

/** Drops the databases (tests call it in `afterAll`; errors are ignored). */
export async function dropDatabases(databases: readonly string[]): Promise<void> {
  const ch = clickhouse();
  for (const db of databases)
    await ch.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => undefined);
  await ch.close();
}
