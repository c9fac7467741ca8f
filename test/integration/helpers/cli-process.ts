import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The `streamlearn` command the tests run: `STREAMLEARN_CLI` when set (a build elsewhere, e.g.
 * while others edit this worktree), else `bin/streamlearn.js`, which runs the compiled `dist/`.
 * A missing or stale `dist/` fails the test: it would test other code than `src/`.
 */
export function cliEntry(): string {
  const override = process.env.STREAMLEARN_CLI;
  if (override) return override;
  const built = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(built))
    throw new Error('dist/ is missing: run `npm run build` first (scripts/test-all.sh does)');
  const builtAt = statSync(built).mtimeMs;
  const newer = newestFile(join(ROOT, 'src'));
  if (newer && newer.mtimeMs > builtAt)
    throw new Error(`dist/ is older than ${newer.path}: run \`npm run build\` (or set STREAMLEARN_CLI)`);
  return join(ROOT, 'bin', 'streamlearn.js');
}

function newestFile(dir: string): { path: string; mtimeMs: number } | null {
  let best: { path: string; mtimeMs: number } | null = null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory()
      ? newestFile(path)
      : entry.name.endsWith('.ts')
        ? { path, mtimeMs: statSync(path).mtimeMs }
        : null;
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/** One JSON log line of the service (pino), or `{msg: <text>}` for other output. */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface CliProcess {
  proc: ChildProcess;
  lines: LogLine[];
  /** The last `chars` characters of stdout and stderr, for failure messages. */
  tail(chars?: number): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves with the first log line (seen or to come) that matches; rejects after `timeoutMs` or on exit. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  /** Sends `signal` if the process still runs. */
  kill(signal: NodeJS.Signals): void;
  readonly running: boolean;
}

/**
 * Runs `streamlearn <args>` as a child process (see {@link cliEntry}), collecting its JSON log
 * lines (and appending its whole output to `logFile`, when given). Pushed onto `children`, so an
 * `afterAll` can kill whatever a failed test left running.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  children: CliProcess[],
  logFile?: string,
): CliProcess {
  const proc = spawn(process.execPath, [cliEntry(), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let text = '';
  const keep = (chunk: string): void => {
    text = (text + chunk).slice(-20_000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  proc.stderr!.on('data', (d: Buffer) => keep(d.toString()));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    keep(`${line}\n`);
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: line });
    }
    for (const wake of waiters) wake();
  });
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      running = false;
      for (const wake of waiters) wake();
      resolve(code);
    }),
  );
  const child: CliProcess = {
    proc,
    lines,
    exited,
    tail: (chars = 3000) => text.slice(-chars),
    get running() {
      return running;
    },
    kill: (signal) => {
      if (running) proc.kill(signal);
    },
    waitForLog: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(match);
          if (found) done(() => resolve(found));
          else if (!running)
            done(() => reject(new Error(`the process exited; output:\n${text.slice(-3000)}`)));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`no matching log line in ${timeoutMs} ms; output:\n${text.slice(-3000)}`)),
            ),
          timeoutMs,
        );
        const done = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
  };
  children.push(child);
  return child;
}

/** SIGKILLs every child still running (for `afterAll`). */
export function killAll(children: CliProcess[]): void {
  for (const child of children) child.kill('SIGKILL');
}
