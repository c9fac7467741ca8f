import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/services.sh', import.meta.url));

export type ServiceName = 'kafka' | 'clickhouse' | 'redis';
export type ServiceAction = 'stop-one' | 'start-one' | 'kill-one';

/**
 * Runs `scripts/services.sh <action> <service>` with this process's environment, so it drives the
 * set the test was pointed at: the default ports in CI, a private set (SERVICES_HOME, KAFKA_PORT,
 * CH_HTTP_PORT, REDIS_PORT, …) while developing beside other engineers' tests. Rejects with the
 * script's last output when it fails or takes longer than `timeoutMs`.
 */
export function controlService(
  action: ServiceAction,
  service: ServiceName,
  timeoutMs = 120_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, action, service], {
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`services.sh ${action} ${service}: exit ${code ?? signal}\n${stderr}`));
    });
  });
}
