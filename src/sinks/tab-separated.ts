import type { FieldValue } from '../core/event.js';

/** Characters a TabSeparated field cannot hold as they are (the field and row separators, the escape). */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One row in ClickHouse's TabSeparated format, newline included, from values `rowValues` checked:
 * null as `\N`, booleans as 0/1 (UInt8), numbers as JavaScript prints them (the shortest text that
 * reads back as the same double, integers without exponent up to 2^53), strings with backslash,
 * tab, newline and carriage return escaped. ClickHouse parses it with less work than JSONEachRow,
 * and building it costs less than an object per row plus JSON.stringify.
 */
export function tabSeparatedLine(values: readonly FieldValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    const v = values[i];
    if (v === null || v === undefined) line += '\\N';
    else if (typeof v === 'string') line += NEEDS_ESCAPE.test(v) ? v.replace(ESCAPES, (c) => ESCAPED[c]!) : v;
    else if (typeof v === 'boolean') line += v ? '1' : '0';
    else line += String(v);
  }
  return `${line}\n`;
}
