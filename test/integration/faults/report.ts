/** One line of the fault suite's table. */
export interface CaseReport {
  case: string;
  /** How long the fault lasted (ms): service down, process dead (summed over kills), receiver failing. */
  outageMs: number;
  /** From the fault's end to ready and moving again (ms); null when it never recovered. */
  recoveredMs: number | null;
  rowsCompared: number;
  /** Rows that differ from the clean run (both sides counted). */
  mismatches: number;
  /** Alerts accepted by the webhook / alerts raised; redelivered = 2xx beyond the first per id. */
  alerts: string;
  /** `equal`, or how far the model is from the clean run's. */
  model: string;
  notes: string;
}

const COLUMNS: [keyof CaseReport, string][] = [
  ['case', 'case'],
  ['outageMs', 'outage'],
  ['recoveredMs', 'recovered in'],
  ['rowsCompared', 'rows compared'],
  ['mismatches', 'mismatches'],
  ['alerts', 'alerts (delivered/raised, dup)'],
  ['model', 'model vs clean'],
  ['notes', 'notes'],
];

function cell(r: CaseReport, key: keyof CaseReport): string {
  const v = r[key];
  if (key === 'outageMs' || key === 'recoveredMs')
    return typeof v === 'number' && Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : 'never';
  return String(v);
}

/** The table as text, one line per case, columns padded. */
export function formatTable(title: string, rows: readonly CaseReport[]): string {
  const cells = [COLUMNS.map(([, h]) => h), ...rows.map((r) => COLUMNS.map(([k]) => cell(r, k)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    title,
    line(cells[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}
