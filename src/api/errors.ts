import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, StreamlearnError, type ErrorCode } from '../core/errors.js';

/**
 * Every error answers `{code, message}` with the status of its code (table: docs/errors.md,
 * generated from ERROR_CODES by {@link errorTableMarkdown}). Fastify's own 4xx errors (bad JSON,
 * schema validation, body too large, wrong content type) are mapped onto our codes; anything else
 * is a bug and answers 500 SL_ERR_INTERNAL without details.
 */
export function installErrorHandler(app: FastifyInstance): void {
  const routes = routeTable(app);
  app.setErrorHandler((err: FastifyError | StreamlearnError, request, reply) => {
    if (err instanceof StreamlearnError) {
      if (err.status >= 500) request.log.warn({ err }, err.message);
      return reply.status(err.status).send(err.toJSON());
    }
    if (err.validation) return send(reply, 'SL_ERR_VALIDATION', validationMessage(err));
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return send(reply, 'SL_ERR_PAYLOAD_TOO_LARGE', err.message);
    if (err.statusCode === 415) return send(reply, 'SL_ERR_UNSUPPORTED_MEDIA_TYPE', err.message);
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return send(reply, 'SL_ERR_VALIDATION', err.message);
    request.log.error({ err }, 'unhandled error');
    return send(reply, 'SL_ERR_INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.methodsOf(path);
    if (allowed.length === 0) return send(reply, 'SL_ERR_NOT_FOUND', `no route ${request.method} ${path}`);
    void reply.header('allow', allowed.join(', '));
    return send(
      reply,
      'SL_ERR_METHOD_NOT_ALLOWED',
      `${request.method} ${path}: allowed are ${allowed.join(', ')}`,
    );
  });
}

/** One schema violation as Ajv reports it (what Fastify puts in `err.validation`). */
interface Violation {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Fastify's validation message, made to say what to fix: an unknown property is named (Ajv says
 * only "must NOT have additional properties"), and the alternatives of a value that matched none
 * (`anyOf`) are one phrase ("must be number, string, boolean or null") instead of one message
 * per alternative and one for the `anyOf` itself.
 */
export function validationMessage(err: FastifyError): string {
  const context = err.validationContext ?? 'request';
  const violations = (err.validation ?? []) as Violation[];
  const anyOfPaths = new Set(violations.filter((v) => v.keyword === 'anyOf').map((v) => v.instancePath));
  const types = new Map<string, string[]>();
  const parts: string[] = [];
  for (const v of violations) {
    const at = `${context}${v.instancePath}`;
    if (v.keyword === 'type' && anyOfPaths.has(v.instancePath)) {
      const list = types.get(v.instancePath) ?? [];
      list.push(String(v.params.type));
      types.set(v.instancePath, list);
    } else if (v.keyword === 'anyOf') {
      const list = types.get(v.instancePath);
      parts.push(list ? `${at} must be ${oneOf(list)}` : `${at} ${v.message ?? 'is not valid'}`);
    } else if (v.keyword === 'additionalProperties') {
      const what = context === 'querystring' ? 'parameter' : 'property';
      parts.push(`${at} has an unknown ${what} "${String(v.params.additionalProperty)}"`);
    } else parts.push(`${at} ${v.message ?? 'is not valid'}`);
  }
  return parts.length > 0 ? parts.join('; ') : err.message;
}

/** "a", "a or b", "a, b or c". */
function oneOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

/**
 * The methods each registered path takes (recorded as routes are added), so a known path asked
 * with another method answers 405 with `allow`, not 404. Catch-all routes (`*`) are left out:
 * they would make every unknown path look known.
 */
function routeTable(app: FastifyInstance): { methodsOf(path: string): string[] } {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const pattern = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    routes.push({ pattern: new RegExp(`^${pattern}$`), methods: [route.method].flat() });
  });
  return {
    methodsOf(path) {
      const methods = new Set<string>();
      for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
      return [...methods].sort();
    },
  };
}

/**
 * Fastify's `frameworkErrors`: what it refuses before routing (a malformed percent-escape in the
 * path, a path parameter over `maxParamLength`) answers `{code, message}` too, not Fastify's shape.
 */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void send(
    reply,
    'SL_ERR_VALIDATION',
    err.message.length > 300 ? `${err.message.slice(0, 300)}…` : err.message,
  );
}

/**
 * Fastify's `clientErrorHandler`: bytes Node's HTTP parser rejects (bad request line or header,
 * headers over the size limit, a request not complete in time) get our 400 before the socket closes.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const message =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'request headers are too large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'the request was not complete in time'
        : 'malformed HTTP request';
  const body = JSON.stringify({ code: 'SL_ERR_VALIDATION', message });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${ERROR_CODES.SL_ERR_VALIDATION.status} Bad Request\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

function send(reply: { status(n: number): { send(b: unknown): unknown } }, code: ErrorCode, message: string) {
  return reply.status(ERROR_CODES[code].status).send({ code, message });
}

/** The error table as Markdown (docs/errors.md is this text; a test keeps them equal). */
export function errorTableMarkdown(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, spec]) =>
      `| \`${code}\` | ${spec.status} | ${spec.retriable ? 'yes' : 'no'} | ${spec.domain} | ${spec.summary} |`,
  );
  return [
    '# Error codes',
    '',
    '<!-- Generated from ERROR_CODES in src/core/errors.ts by errorTableMarkdown() in src/api/errors.ts;',
    '     test/api/errors-doc.test.ts fails when this file is stale (UPDATE_DOCS=1 rewrites it). -->',
    '',
    'Every API error answers `{"code": "...", "message": "..."}` with the HTTP status below.',
    '`retriable` says whether the same request may succeed later; `domain` says whose problem it is',
    '(user: the request or config; external: a dependency; internal: a bug in streamlearn).',
    '',
    '| code | status | retriable | domain | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
