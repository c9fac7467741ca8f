import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from '../../src/core/retry.js';
import { BENCH_DIR } from './results.js';

/** The CLI the package publishes (runs dist/, so build first). */
const CLI = join(BENCH_DIR, '..', 'bin', 'streamlearn.js');

/** What one probe of the running service reads from `/metrics` and `/v1/pipeline`. */
export interface ServiceSample {
  /** `process_resident_memory_bytes` of the service process. */
  rssBytes: number;
  /** `nodejs_heap_size_used_bytes`. */
  heapUsedBytes: number;
  /** Sum over partitions of `streamlearn_consumer_lag_records` (as of each partition's last batch). */
  lagRecords: number;
  /** Records the pipeline has read (accepted + rejected), from `/v1/pipeline`. */
  records: number;
  late: number;
  rowsWritten: number;
  checkpoints: number;
}

/**
 * The service as a child process (`bin/streamlearn.js run --config …`), so the RSS it reports is
 * its own and not the producer's; probed over its HTTP API like an operator would. Its log goes to
 * a file.
 */
export class ServiceProcess {
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  private exitedWith: number | string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitedWith = code ?? signal ?? -1;
        resolve(this.exitedWith);
      }),
    );
  }

  /** Starts the service and waits until `/healthz` answers. */
  static async start(configPath: string, port: number, logPath: string): Promise<ServiceProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
    // the config decides the port and runs in local demo mode (no keys): nothing may override that
    delete env.PORT;
    delete env.STREAMLEARN_API_KEYS;
    const log = openSync(logPath, 'a');
    const child = spawn(process.execPath, [CLI, 'run', '--config', configPath], {
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const service = new ServiceProcess(child, `http://127.0.0.1:${port}`, logPath);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (service.exitedWith !== null)
        throw new Error(`the service exited (${service.exitedWith}) while starting; see ${logPath}`);
      if (
        await fetch(`${service.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return service;
      await sleep(250);
    }
    await service.stop();
    throw new Error(`the service did not answer /healthz within 60 s; see ${logPath}`);
  }

  get running(): boolean {
    return this.exitedWith === null;
  }

  /** Running stats from `/v1/pipeline` (cheap: the calibration polls it several times a second). */
  async stats(): Promise<{ records: number; late: number; rowsWritten: number; checkpoints: number }> {
    const res = await fetch(`${this.url}/v1/pipeline`);
    if (!res.ok) throw new Error(`GET /v1/pipeline answered ${res.status}`);
    return ((await res.json()) as { stats: ServiceSample }).stats;
  }

  async sample(): Promise<ServiceSample> {
    const [metricsRes, stats] = await Promise.all([fetch(`${this.url}/metrics`), this.stats()]);
    if (!metricsRes.ok) throw new Error(`GET /metrics answered ${metricsRes.status}`);
    const m = sumByName(await metricsRes.text());
    return {
      rssBytes: m.get('process_resident_memory_bytes') ?? NaN,
      heapUsedBytes: m.get('nodejs_heap_size_used_bytes') ?? NaN,
      lagRecords: m.get('streamlearn_consumer_lag_records') ?? 0,
      records: stats.records,
      late: stats.late,
      rowsWritten: stats.rowsWritten,
      checkpoints: stats.checkpoints,
    };
  }

  /** SIGTERM (the service flushes, checkpoints and commits), SIGKILL after `graceMs`; the exit code. */
  async stop(graceMs = 20_000): Promise<number | string> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Prometheus text format → value per metric name, summed over its label sets. */
export function sumByName(text: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + value);
  }
  return sums;
}

/** A TCP port free right now on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
