/**
 * A UTF-8 byte-order mark at the start of a JSONL file is an encoding mark of the file (editors
 * and Windows tools write one), not part of its first record: file readers drop it, as ClickHouse's
 * JSONEachRow input and DuckDB's JSON reader do. A record from Kafka that starts with one is still
 * rejected by the decoder: there it is the producer's mistake, not the file's.
 */

/** 3 when `bytes` starts with a UTF-8 BOM (EF BB BF), else 0: where the first record starts. */
export function byteOrderMarkLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** `text` (a file's decoded first line or whole content) without a leading BOM. */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
