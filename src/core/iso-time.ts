/**
 * Strict ISO-8601 / RFC 3339 time text to epoch ms, the same on every machine.
 *
 * `Date.parse` is not fit for event time: a time without a zone is read in the machine's local
 * zone (a replay's output would depend on `TZ`), impossible dates roll over ("2026-02-30" is
 * March 2nd), and it accepts engine-specific text ("1" is a date in 2001). This reads only
 *
 *   YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|±hh:mm|±hhmm|±hh]]
 *
 * checks every field's range (days per month, leap years included), and reads a time without a
 * zone, or a date alone, as UTC. The fraction is truncated to milliseconds; a leap second (:60)
 * is the last millisecond of its minute, as Unix time has no room for it.
 *
 * @returns epoch ms, or NaN when `text` is not such a time.
 */
export function parseIsoTime(text: string): number {
  const len = text.length;
  if (len < 10 || len > 64) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return Number.NaN;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return Number.NaN;
  const date = daysFromCivil(year, month, day) * DAY_MS;
  if (len === 10) return date;
  const sep = text.charCodeAt(10);
  if (sep !== UPPER_T && sep !== LOWER_T && sep !== SPACE) return Number.NaN;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (text.charCodeAt(13) !== COLON || !(hour <= 23 && minute <= 59)) return Number.NaN;
  let at = 16;
  let second = 0;
  let ms = 0;
  if (text.charCodeAt(at) === COLON) {
    second = digits(text, at + 1, 2);
    if (!(second <= 60)) return Number.NaN;
    at += 3;
    const mark = text.charCodeAt(at);
    if (mark === DOT || mark === COMMA) {
      const first = ++at;
      while (at < len && isDigit(text.charCodeAt(at))) at++;
      if (at === first) return Number.NaN;
      ms = digits(`${text.slice(first, Math.min(at, first + 3))}00`.slice(0, 3), 0, 3);
    }
    if (second === 60) {
      second = 59;
      ms = 999;
    }
  }
  const offset = zoneOffsetMs(text, at);
  if (Number.isNaN(offset)) return Number.NaN;
  return date + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offset;
}

const DAY_MS = 86_400_000;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const COMMA = 0x2c;
const PLUS = 0x2b;
const SPACE = 0x20;
const UPPER_T = 0x54;
const LOWER_T = 0x74;
const UPPER_Z = 0x5a;
const LOWER_Z = 0x7a;

/** The zone suffix from `at` to the end (nothing is UTC) in ms east of UTC, or NaN. */
function zoneOffsetMs(text: string, at: number): number {
  const len = text.length;
  if (at === len) return 0;
  const c = text.charCodeAt(at);
  if (c === UPPER_Z || c === LOWER_Z) return at + 1 === len ? 0 : Number.NaN;
  if (c !== PLUS && c !== DASH) return Number.NaN;
  const hours = digits(text, at + 1, 2);
  let minutes = 0;
  const rest = len - (at + 3);
  if (rest === 3 && text.charCodeAt(at + 3) === COLON) minutes = digits(text, at + 4, 2);
  else if (rest === 2) minutes = digits(text, at + 3, 2);
  else if (rest !== 0) return Number.NaN;
  if (!(hours <= 23 && minutes <= 59)) return Number.NaN;
  const offset = (hours * 60 + minutes) * 60_000;
  return c === PLUS ? offset : -offset;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The `count` decimal digits at `at` as a number, or NaN when any is not a digit (or missing). */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i); // NaN past the end, which fails isDigit
    if (!isDigit(c)) return Number.NaN;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). Integer
 * arithmetic only: `Date.UTC` would read years 0–99 as 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
