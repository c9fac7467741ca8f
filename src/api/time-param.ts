import { StreamlearnError } from '../core/errors.js';
import { parseIsoTime } from '../core/iso-time.js';

const EPOCH_MS_RE = /^-?\d{1,16}$/;

/**
 * A time query parameter (`from`, `to`, `since`): epoch ms, or ISO-8601 text read as the decoder
 * reads event times (a zone-less time is UTC), so a dashboard can ask for `from=2026-01-01`.
 */
export function timeParam(name: string, raw: string): number {
  const ms = EPOCH_MS_RE.test(raw) ? Number(raw) : parseIsoTime(raw);
  if (!Number.isSafeInteger(ms))
    throw new StreamlearnError(
      'SL_ERR_VALIDATION',
      `"${name}" must be epoch ms or ISO-8601 text such as 2026-01-01T00:00:00Z`,
    );
  return ms;
}
