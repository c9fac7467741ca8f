const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration: a number of milliseconds or a string such as `250ms`, `30s`, `5m`, `1h`, `1d`.
 * @example parseDuration('5m') // 300000
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`duration must be a finite number ≥ 0, got ${value}`);
    return value;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!match) throw new RangeError(`"${value}" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 1d)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}
