import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadConfig, parseConfig, type PipelineConfig } from './core/config/index.js';
import { createLogger } from './core/logger.js';
import { produceFile } from './ingest/kafka/produce-file.js';
import { Metrics } from './runtime/metrics.js';
import { runReplay } from './runtime/replay.js';
import { startService } from './runtime/service.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The `streamlearn` command. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('streamlearn').description(
    'Event-time windows, online learning and drift alerts on streams.',
  );

  program
    .command('demo')
    .description('run the demo pipeline on embedded defaults: generator → windows → DuckDB, API on :8080')
    .option('-p, --port <port>', 'HTTP port', (v) => Number(v))
    .option('--events <n>', 'stop after this many events (default: endless)', (v) => Number(v))
    .option('--fresh', 'start from scratch (drop the demo database and checkpoints)')
    .action(async (opts: { port?: number; events?: number; fresh?: boolean }) => {
      const raw = parseYaml(readFileSync(join(PACKAGE_ROOT, 'config', 'demo.yaml'), 'utf8')) as Record<
        string,
        Record<string, unknown>
      >;
      if (opts.events !== undefined) raw.source!.events = opts.events;
      if (opts.port !== undefined) raw.api!.port = opts.port;
      const config = parseConfig(raw, process.env, 'demo config');
      if (opts.fresh) freshDemo(config);
      await serve(config);
    });

  program
    .command('run')
    .description('run a pipeline from its config file')
    .requiredOption('-c, --config <file>', 'pipeline config (YAML or JSON)')
    .action(async (opts: { config: string }) => serve(loadConfig(opts.config)));

  program
    .command('replay')
    .description(
      'replay a JSONL file through a pipeline deterministically; writes window rows as sorted JSONL',
    )
    .argument('<file>', 'input JSONL file')
    .requiredOption('-c, --config <file>', 'pipeline config (its source and sink are replaced)')
    .requiredOption('-o, --out <dir>', 'output folder: one <window>.jsonl per window')
    .action(async (file: string, opts: { config: string; out: string }) => {
      const summary = await runReplay(loadConfig(opts.config), file, opts.out);
      console.log(JSON.stringify(summary));
    });

  program
    .command('produce')
    .description('load a JSONL file into a Kafka topic (one message per line)')
    .argument('<file>', 'input JSONL file')
    .requiredOption('-t, --topic <topic>', 'topic (created if missing)')
    .option('-b, --brokers <list>', 'brokers, comma-separated', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .option('--partitions <n>', 'partitions when creating the topic', (v) => Number(v), 4)
    .option('--key-field <field>', 'JSON field used as the message key')
    .addOption(new Option('--no-progress', 'no progress bar'))
    .action(
      async (
        file: string,
        opts: { topic: string; brokers: string; partitions: number; keyField?: string; progress: boolean },
      ) => {
        const n = await produceFile({
          file,
          topic: opts.topic,
          brokers: opts.brokers.split(','),
          partitions: opts.partitions,
          keyField: opts.keyField,
          progress: opts.progress,
        });
        console.error(`produced ${n} messages to ${opts.topic}`);
      },
    );

  await program.parseAsync(argv);
}

/** Runs a service until the input ends or SIGTERM/SIGINT, then shuts down gracefully. */
async function serve(config: PipelineConfig): Promise<void> {
  const logger = createLogger();
  const service = await startService(config, { logger, metrics: new Metrics() });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: flushing windows and sinks, checkpointing, committing');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    void service.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const stats = await service.done;
  logger.info({ stats }, 'input ended');
  if (config.source.type !== 'generator' || config.source.events > 0) {
    // finite input: keep serving the results until stopped when the API is on
    if (!service.app) await service.stop();
  }
}

function freshDemo(config: PipelineConfig): void {
  if (config.sink.type === 'duckdb')
    for (const f of [config.sink.path, `${config.sink.path}.wal`]) rmSync(f, { force: true });
  if (config.checkpoint.store === 'file' && existsSync(config.checkpoint.path))
    rmSync(config.checkpoint.path, { recursive: true, force: true });
  if (config.deadLetter.type === 'file') rmSync(config.deadLetter.path, { force: true });
  if (config.drift) rmSync(config.drift.alerts.outboxDir, { recursive: true, force: true });
}
