import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The service logger (pino, JSON lines). `LOG_LEVEL` overrides the level; tests default to silent. */
export function createLogger(name = 'streamlearn'): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ name, level });
}
