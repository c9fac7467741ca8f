import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, StreamlearnError, type ErrorCode } from '../core/errors.js';

/**
 * Every error answers `{code, message}` with the status of its code (table: docs/errors.md,
 * generated from ERROR_CODES by {@link errorTableMarkdown}). Fastify's own 4xx errors (bad JSON,
 * schema validation, body too large, wrong content type) are mapped onto our codes; anything else
 * is a bug and answers 500 SL_ERR_INTERNAL without details.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | StreamlearnError, request, reply) => {
    if (err instanceof StreamlearnError) {
      if (err.status >= 500) request.log.warn({ err }, err.message);
      return reply.status(err.status).send(err.toJSON());
    }
    if (err.validation) return send(reply, 'SL_ERR_VALIDATION', err.message);
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return send(reply, 'SL_ERR_PAYLOAD_TOO_LARGE', err.message);
    if (err.statusCode === 415) return send(reply, 'SL_ERR_UNSUPPORTED_MEDIA_TYPE', err.message);
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return send(reply, 'SL_ERR_VALIDATION', err.message);
    request.log.error({ err }, 'unhandled error');
    return send(reply, 'SL_ERR_INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 'SL_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
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
