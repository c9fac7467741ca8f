import { rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineConfig } from '../core/config/index.js';
import { createLogger } from '../core/logger.js';
import { readDeduplicated } from '../sinks/jsonl-sink.js';
import { Metrics } from './metrics.js';
import { startService } from './service.js';

export interface ReplaySummary {
  records: number;
  accepted: number;
  rejected: number;
  late: number;
  rows: Record<string, number>;
}

/** The config of a replay: the file as source, a JSONL sink in `<out>/.raw`, event time only (idleness too). */
export function replayConfig(config: PipelineConfig, file: string, outDir: string): PipelineConfig {
  return {
    ...config,
    // a file config keeps its batching: with several partitions in one file it decides the interleaving
    source:
      config.source.type === 'file'
        ? { ...config.source, path: file }
        : { type: 'file', path: file, batchSize: 5_000 },
    sink: { type: 'jsonl', dir: join(outDir, '.raw') },
    deadLetter: { type: 'file', path: join(outDir, 'dead-letter.jsonl') },
    checkpoint: { ...config.checkpoint, store: 'memory' },
    api: { ...config.api, enabled: false },
  };
}

/**
 * Replays a recorded stream deterministically: the same file and config always give byte-identical
 * `<out>/<window>.jsonl` files (the latest version of every row, sorted by key).
 */
export async function runReplay(
  config: PipelineConfig,
  file: string,
  outDir: string,
): Promise<ReplaySummary> {
  rmSync(join(outDir, '.raw'), { recursive: true, force: true });
  rmSync(join(outDir, 'dead-letter.jsonl'), { force: true });
  const service = await startService(replayConfig(config, file, outDir), {
    api: false,
    logger: createLogger('replay'),
    metrics: new Metrics(false),
  });
  const stats = await service.done;
  await service.stop();
  const rows = await writeFinalTables(service.pipeline.tables, join(outDir, '.raw'), outDir);
  return {
    records: stats.records,
    accepted: stats.accepted,
    rejected: stats.rejected,
    late: stats.late,
    rows,
  };
}

/** Writes the deduplicated, key-sorted, non-retracted rows of each table as `<out>/<window>.jsonl`. */
export async function writeFinalTables(
  tables: {
    name: string;
    columns: { name: string }[];
    key: string[];
    versionColumn: string;
    timeColumn: string;
  }[],
  rawDir: string,
  outDir: string,
): Promise<Record<string, number>> {
  await mkdir(outDir, { recursive: true });
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const rows = (
      await readDeduplicated(rawDir, table.name, table as Parameters<typeof readDeduplicated>[2])
    ).filter((r) => r.retracted !== true);
    const window = table.name.replace(/^w_/, '');
    await writeFile(
      join(outDir, `${window}.jsonl`),
      rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''),
    );
    counts[window] = rows.length;
  }
  return counts;
}
