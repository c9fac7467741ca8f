import type { FastifyError, FastifyInstance } from 'fastify';
import { StreamlearnError } from '../core/errors.js';

/** Every error answers `{code, message}` with the status of its code (README: Error codes). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | StreamlearnError, request, reply) => {
    if (err instanceof StreamlearnError) return reply.status(err.status).send(err.toJSON());
    if (err.validation) return reply.status(400).send({ code: 'SL_ERR_VALIDATION', message: err.message });
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.status(413).send({ code: 'SL_ERR_PAYLOAD_TOO_LARGE', message: err.message });
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return reply.status(err.statusCode).send({ code: 'SL_ERR_VALIDATION', message: err.message });
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ code: 'SL_ERR_INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: 'SL_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url}` }),
  );
}
