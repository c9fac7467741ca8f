import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/core/iso-time.js';

/** Epoch ms of a UTC calendar time, through Date's own calendar (years 0–99 included). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('parseIsoTime', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = originalTz;
  });

  it.each([
    ['2026-01-01T00:00:01Z', utc(2026, 1, 1, 0, 0, 1)],
    ['2026-01-01t00:00:01z', utc(2026, 1, 1, 0, 0, 1)],
    ['2026-01-01 00:00:01Z', utc(2026, 1, 1, 0, 0, 1)],
    ['2026-01-01T01:00:00+01:00', utc(2026, 1, 1)],
    ['2026-01-01T01:00:00+0100', utc(2026, 1, 1)],
    ['2026-01-01T01:00:00+01', utc(2026, 1, 1)],
    ['2025-12-31T19:00:00-05:00', utc(2026, 1, 1)],
    ['2026-01-01T00:00:00.5Z', utc(2026, 1, 1, 0, 0, 0, 500)],
    ['2026-01-01T00:00:00,25Z', utc(2026, 1, 1, 0, 0, 0, 250)],
    ['2026-01-01T00:00:00.123456789Z', utc(2026, 1, 1, 0, 0, 0, 123)], // truncated, not rounded
    ['2026-01-01T00:00:00.999999Z', utc(2026, 1, 1, 0, 0, 0, 999)],
    ['2026-01-01T12:34Z', utc(2026, 1, 1, 12, 34)],
    ['2026-01-01T12:34', utc(2026, 1, 1, 12, 34)],
    ['2026-01-01', utc(2026, 1, 1)],
    ['2024-02-29T00:00:00Z', utc(2024, 2, 29)],
    ['2000-02-29', utc(2000, 2, 29)],
    ['0001-01-01T00:00:00Z', utc(1, 1, 1)],
    ['0050-06-15', utc(50, 6, 15)], // Date.UTC would give 1950
    ['9999-12-31T23:59:59.999Z', utc(9999, 12, 31, 23, 59, 59, 999)],
    ['2016-12-31T23:59:60Z', utc(2016, 12, 31, 23, 59, 59, 999)], // a leap second
  ])('reads %s', (text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  it.each([
    ['an impossible date', '2026-02-30T00:00:00Z'],
    ['February 29th of a common year', '2026-02-29'],
    ['February 29th of 1900', '1900-02-29'],
    ['month 13', '2026-13-01'],
    ['day 0', '2026-01-00'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T00:60:00Z'],
    ['second 61', '2026-01-01T00:00:61Z'],
    ['a year alone', '2026'],
    ['a month alone', '2026-01'],
    ['digits alone', '1767225600'],
    ['"1", a date in 2001 to Date.parse', '1'],
    ['RFC 2822 text', 'Thu, 01 Jan 2026 00:00:00 GMT'],
    ['a date without dashes', '20260101T000000Z'],
    ['one-digit fields', '2026-1-1T0:0:0Z'],
    ['an hour without minutes', '2026-01-01T00Z'],
    ['an empty fraction', '2026-01-01T00:00:00.Z'],
    ['an offset of 24 h', '2026-01-01T00:00:00+24:00'],
    ['an offset with 60 minutes', '2026-01-01T00:00:00+01:60'],
    ['an offset with one digit', '2026-01-01T00:00:00+1'],
    ['a named zone', '2026-01-01T00:00:00 UTC'],
    ['text after the zone', '2026-01-01T00:00:00Zjunk'],
    ['text after the date', '2026-01-01x'],
    ['a trailing space', '2026-01-01T00:00:00Z '],
    ['a leading space', ' 2026-01-01T00:00:00Z'],
    ['an extended year', '+002026-01-01T00:00:00Z'],
    ['a negative year', '-0001-01-01T00:00:00Z'],
    ['non-ASCII digits', '٢٠٢٦-01-01'],
    ['nothing', ''],
  ])('refuses %s', (_, text) => {
    expect(parseIsoTime(text)).toBeNaN();
  });

  it('reads a time without a zone as UTC, whatever the machine zone', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
      process.env.TZ = tz;
      expect(parseIsoTime('2026-07-01T12:00:00')).toBe(utc(2026, 7, 1, 12));
      expect(parseIsoTime('2026-07-01')).toBe(utc(2026, 7, 1));
    }
  });

  it('equals the calendar for every valid time, offset and fraction', () => {
    const time = fc.record({
      y: fc.integer({ min: 0, max: 9999 }),
      mo: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 31 }),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      fraction: fc.stringMatching(/^[0-9]{0,9}$/),
      offsetMin: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      zone: fc.constantFrom('Z', 'colon', 'compact', 'none'),
    });
    fc.assert(
      fc.property(time, (t) => {
        const offset = t.zone === 'colon' || t.zone === 'compact' ? t.offsetMin : 0;
        const sign = offset < 0 ? '-' : '+';
        const oh = pad(Math.floor(Math.abs(offset) / 60), 2);
        const om = pad(Math.abs(offset) % 60, 2);
        const suffix =
          t.zone === 'Z'
            ? 'Z'
            : t.zone === 'colon'
              ? `${sign}${oh}:${om}`
              : t.zone === 'compact'
                ? `${sign}${oh}${om}`
                : '';
        const text = `${pad(t.y, 4)}-${pad(t.mo, 2)}-${pad(t.d, 2)}T${pad(t.h, 2)}:${pad(t.mi, 2)}:${pad(t.s, 2)}${
          t.fraction ? `.${t.fraction}` : ''
        }${suffix}`;
        const ms = Number(`${t.fraction}000`.slice(0, 3));
        // the calendar rolls an impossible day over into the next month; the parser refuses it
        const rolled = new Date(utc(t.y, t.mo, t.d)).getUTCMonth() + 1 !== t.mo;
        const got = parseIsoTime(text);
        if (rolled) expect(got).toBeNaN();
        else expect(got).toBe(utc(t.y, t.mo, t.d, t.h, t.mi, t.s, ms) - offset * 60_000);
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with Date.parse on RFC 3339 times with a zone', () => {
    const at = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 30) }); // ± a day stays in 4-digit years
    fc.assert(
      fc.property(at, fc.integer({ min: -1439, max: 1439 }), (ms, offsetMin) => {
        const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
        const sign = offsetMin < 0 ? '-' : '+';
        const zone = `${sign}${pad(Math.floor(Math.abs(offsetMin) / 60), 2)}:${pad(Math.abs(offsetMin) % 60, 2)}`;
        const text = `${local}${zone}`;
        expect(parseIsoTime(text)).toBe(Date.parse(text));
        expect(parseIsoTime(text)).toBe(ms);
      }),
      { numRuns: 20_000 },
    );
  });
});
