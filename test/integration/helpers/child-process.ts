import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One JSON line a fixture process printed (non-JSON lines arrive as `{event: 'text', line}`). */
export type ChildEvent = Record<string, unknown> & { event: string };

export interface JsonLinesChild {
  proc: ChildProcess;
  events: ChildEvent[];
  /** Resolves with the first event (seen or to come) that matches, or rejects after `timeoutMs`. */
  waitFor: (match: (e: ChildEvent) => boolean, timeoutMs: number) => Promise<ChildEvent>;
}

/**
 * Runs a TypeScript fixture (`node --import tsx`) that reports what it does as JSON lines, so a
 * test can wait for "acquired", "saved", "REFUSED"… Pushed onto `children` for the test to kill.
 * `args` go to the script (e.g. `src/cli.ts run -c <file>`, whose pino lines are JSON too).
 */
export function spawnJsonLines(
  fixture: string,
  cwd: string,
  env: Record<string, string>,
  children: ChildProcess[],
  label = fixture,
  args: readonly string[] = [],
): JsonLinesChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  const events: ChildEvent[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as ChildEvent);
    } catch {
      events.push({ event: 'text', line });
    }
    for (const wake of waiters) wake();
  });
  const waitFor = (match: (e: ChildEvent) => boolean, timeoutMs: number): Promise<ChildEvent> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = events.find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${label}: no matching event within ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-5))}; stderr: ${stderr.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { proc, events, waitFor };
}
