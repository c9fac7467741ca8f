import { z } from 'zod';
import { parseDuration } from '../duration.js';

/** A duration in ms: a non-negative number, or a string such as `30s`, `5m`. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A strictly positive duration. */
export const positiveDuration = duration.refine((ms) => ms > 0, 'must be greater than 0');

/** Names that become SQL identifiers: they are checked here so no query ever quotes user text. */
export const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
    'must start with a letter or _ and hold only letters, digits and _ (≤ 63)',
  );
