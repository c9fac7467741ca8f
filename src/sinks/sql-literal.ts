import { StreamlearnError } from '../core/errors.js';

/**
 * SQL text for values and identifiers, for the two dialects our sinks speak. ClickHouse 18.16 has
 * no query parameters, so every value that reaches a query goes through {@link sqlLiteral}: one
 * strict encoder that knows each dialect's string rules and refuses anything it cannot encode
 * exactly. Identifiers are never user text — they come from validated config — and
 * {@link quoteIdentifier} asserts that again before quoting.
 */
export type SqlDialect = 'clickhouse' | 'duckdb';

/** A value {@link sqlLiteral} can encode. */
export type SqlValue = string | number | boolean | null;

/** Names that may become identifiers: the same rule as the config schema's `identifier`. */
export const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Quotes a config-validated name as an identifier (backquotes for ClickHouse, double quotes for
 * DuckDB). Throws SL_ERR_INTERNAL for anything outside {@link IDENTIFIER_RE}: reaching that is a bug,
 * since config validation already refused such names.
 *
 * @example quoteIdentifier('window_start', 'clickhouse') // '`window_start`'
 */
export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  if (typeof name !== 'string' || !IDENTIFIER_RE.test(name)) {
    throw new StreamlearnError('SL_ERR_INTERNAL', `not a valid SQL identifier: ${JSON.stringify(name)}`);
  }
  return dialect === 'clickhouse' ? `\`${name}\`` : `"${name}"`;
}

/**
 * Encodes a value as a literal of `dialect`. Numbers must be finite (integers print as integers),
 * booleans become `1`/`0` in ClickHouse (bool columns are UInt8; 18.16 has no `true`) and
 * `TRUE`/`FALSE` in DuckDB, strings must be well-formed Unicode (a lone surrogate cannot round-trip
 * through UTF-8). Anything else — undefined, bigint, objects — throws SL_ERR_VALIDATION.
 *
 * @example sqlLiteral("it's", 'clickhouse') // "'it\\'s'"
 * @example sqlLiteral("it's", 'duckdb')     // "'it''s'"
 */
export function sqlLiteral(value: unknown, dialect: SqlDialect): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return dialect === 'clickhouse' ? (value ? '1' : '0') : value ? 'TRUE' : 'FALSE';
    case 'number':
      return numberLiteral(value);
    case 'string':
      if (LONE_SURROGATE_RE.test(value)) throw invalid('a string with a lone surrogate');
      return dialect === 'clickhouse' ? clickhouseString(value) : duckdbString(value);
    default:
      throw invalid(typeof value);
  }
}

function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw invalid(String(n));
  if (Object.is(n, -0)) return '0';
  // String() prints integers without a fraction and floats with the shortest round-tripping digits
  // (exponent form such as 1e-7 or 1e+21 parses in both dialects).
  return String(n);
}

const HEX = '0123456789ABCDEF';
/** With the `u` flag a proper surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE_RE = /\p{Cs}/u;

/**
 * ClickHouse string literal: backslash escapes (`\\`, `\'`, `\n`, `\xHH`, …). Every control
 * character is escaped so the query text stays one printable line and nothing relies on raw bytes.
 */
function clickhouseString(s: string): string {
  let out = "'";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string;
    if (c === 0x27) esc = "\\'";
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x09) esc = '\\t';
    else if (c === 0x0d) esc = '\\r';
    else if (c < 0x20 || c === 0x7f) esc = `\\x${HEX[c >> 4]}${HEX[c & 15]}`;
    else continue;
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return out + s.slice(start) + "'";
}

/**
 * DuckDB string literal: standard SQL, where a backslash is an ordinary character and `'` is
 * doubled. A NUL would end the query text at the C API, so control characters are spelled as
 * `chr(n)` pieces concatenated in parentheses.
 */
function duckdbString(s: string): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x7f) continue;
    if (i > start) parts.push(quoteStandard(s.slice(start, i)));
    parts.push(`chr(${c})`);
    start = i + 1;
  }
  if (parts.length === 0) return quoteStandard(s);
  if (start < s.length) parts.push(quoteStandard(s.slice(start)));
  return `(${parts.join(' || ')})`;
}

function quoteStandard(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function invalid(what: string): StreamlearnError {
  return new StreamlearnError('SL_ERR_VALIDATION', `cannot encode ${what} as an SQL literal`);
}
