import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a signed webhook request. */
export const SIGNATURE_HEADER = 'X-Streamlearn-Signature';
export const TIMESTAMP_HEADER = 'X-Streamlearn-Timestamp';
export const ALERT_ID_HEADER = 'X-Streamlearn-Alert-Id';

/** `v1=<hex>`: HMAC-SHA256 over `timestamp + "." + body` with the shared secret. */
export function sign(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}

/** Headers as Node (`IncomingHttpHeaders`), fetch (`Headers`) or a plain object give them. */
export type HeaderBag = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function')
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const lower = name.toLowerCase();
  for (const k of Object.keys(bag)) {
    if (k.toLowerCase() !== lower) continue;
    const v = bag[k];
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * For receivers: true when the request carries a valid `v1` signature of `body` (the raw bytes as
 * received) made with `secret`, and its timestamp is within `toleranceSec` of `nowSec` — an old
 * request replayed by an attacker fails. Several comma-separated `v1=` values are accepted (key
 * rotation). Deduplicate accepted alerts by the `X-Streamlearn-Alert-Id` header.
 *
 * @example
 * http.createServer((req, res) => {
 *   const body = await text(req);
 *   if (!verifySignature(SECRET, req.headers, body, 300)) return res.writeHead(401).end();
 *   …
 * });
 */
export function verifySignature(
  secret: string,
  headers: HeaderBag,
  body: string | Uint8Array,
  toleranceSec = 300,
  nowSec = Date.now() / 1000,
): boolean {
  const ts = header(headers, TIMESTAMP_HEADER);
  const sig = header(headers, SIGNATURE_HEADER);
  if (!ts || !sig || !/^\d+$/.test(ts)) return false;
  if (Math.abs(nowSec - Number(ts)) > toleranceSec) return false;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const expected = Buffer.from(sign(secret, Number(ts), text));
  return sig.split(',').some((part) => {
    const given = Buffer.from(part.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
