import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, type as osType } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ (this file is bench/lib/results.ts). */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const DATA_DIR = join(BENCH_DIR, 'data');

/**
 * One measured figure, optionally next to the figure it should be compared with (`peer`), e.g.
 * our events/s next to a parse-only pass or `kcat`. `ratio` = value / peerValue.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  peer?: string | null;
  peerValue?: number | null;
  ratio?: number | null;
  /** Optional target, printed beside the figure (e.g. "≥ 1.5M", "ratio ≥ 0.5"). */
  target?: string | null;
}

export interface Machine {
  cpus: number;
  model: string;
  node: string;
  os: string;
  memGiB?: number;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  machine: Machine;
  at: string;
  /** Free-form notes: what was run, with which options. */
  notes?: string[];
}

export function machineInfo(): Machine {
  const list = cpus();
  let memGiB: number | undefined;
  try {
    const m = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) memGiB = Math.round(Number(m[1]) / 1024 / 1024);
  } catch {
    // not Linux: leave it out
  }
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${osType()} ${release()}`,
    ...(memGiB === undefined ? {} : { memGiB }),
  };
}

/** A figure compared with a peer: ratio filled in. */
export function compared(
  name: string,
  value: number,
  unit: string,
  peer: string,
  peerValue: number,
  target?: string,
): Figure {
  return {
    name,
    value,
    unit,
    peer,
    peerValue,
    ratio: peerValue > 0 ? value / peerValue : null,
    target: target ?? null,
  };
}

/** A figure without a peer. */
export function single(name: string, value: number, unit: string, target?: string): Figure {
  return { name, value, unit, peer: null, peerValue: null, ratio: null, target: target ?? null };
}

/** Writes bench/results/<name>.json and prints the figures as a table; returns the path. */
export function writeResults(name: string, figures: Figure[], notes: string[] = []): string {
  const result: BenchResult = { name, figures, machine: machineInfo(), at: new Date().toISOString(), notes };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${name} — ${result.machine.cpus}× ${result.machine.model}, Node ${result.machine.node}`);
  console.log(formatTable(figures));
  for (const n of notes) console.log(`  · ${n}`);
  console.log(`  → ${path}`);
  return path;
}

/** Human number: 1 234 567 → "1.23M", ratios with two decimals. */
export function fmt(x: number | null | undefined, unit = ''): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (unit === 'MiB' || unit === 's' || unit === 'ms') return x.toFixed(x >= 100 ? 0 : 1);
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** Plain-text table: figure | value | peer | peer value | ratio | target. */
export function formatTable(figures: Figure[]): string {
  const rows = [
    ['figure', 'value', 'unit', 'peer', 'peer value', 'ratio', 'target'],
    ...figures.map((f) => [
      f.name,
      fmt(f.value, f.unit),
      f.unit,
      f.peer ?? '',
      f.peer ? fmt(f.peerValue, f.unit) : '',
      f.ratio === null || f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
      f.target ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) => (c === 0 || c >= 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ');
      return i === 0 ? `  ${line}\n  ${widths.map((w) => '-'.repeat(w)).join('  ')}` : `  ${line}`;
    })
    .join('\n');
}
