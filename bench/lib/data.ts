import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generatorSourceSchema } from '../../src/core/config/index.js';
import { EventGenerator } from '../../src/ingest/generator.js';
import { DATA_DIR } from './results.js';

export interface DataOptions {
  events: number;
  keys: number;
  seed: number;
  /** Mean event-time gap (ms). */
  intervalMs: number;
}

/**
 * A generated JSONL file in bench/data (git-ignored), written once and reused: the same options
 * give the same name and the same bytes (the generator is seeded).
 */
export async function eventsFile(opts: DataOptions): Promise<string> {
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `events-${opts.events}-k${opts.keys}-s${opts.seed}-i${opts.intervalMs}.jsonl`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const gen = new EventGenerator(
    generatorSourceSchema.parse({
      type: 'generator',
      seed: opts.seed,
      events: opts.events,
      keys: opts.keys,
      intervalMs: opts.intervalMs,
      startTime: Date.UTC(2026, 0, 1),
    }),
  );
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  let chunk = '';
  for (let i = 0; i < opts.events; i++) {
    chunk += `${JSON.stringify(gen.next())}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  renameSync(tmp, path);
  return path;
}
