import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { LiveEvent, ServiceContext } from '../context.js';
import { errorResponses } from '../schemas.js';

/** A client this far behind (bytes queued in its socket) is dropped; it reconnects with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1 << 20;
const HEARTBEAT_MS = 15_000;
const TYPES = new Set<LiveEvent['type']>(['window', 'metrics', 'drift', 'alert', 'throughput']);

/**
 * `GET /v1/stream` — Server-Sent Events from the live feed: `window`, `metrics`, `drift`, `alert`
 * and `throughput` events, each with its feed id. A client reconnecting with `Last-Event-ID` (header,
 * or `?lastEventId=` for the first connection) first receives what it missed that is still in the
 * feed's buffer. `?types=drift,alert` limits the stream to some types. EventSource cannot send
 * headers, so the API key may come as `?key=` here.
 */
export const streamRoutes: FastifyPluginAsync<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get<{ Querystring: { lastEventId?: string; types?: string; key?: string } }>(
    '/v1/stream',
    {
      config: { keyInQuery: true },
      schema: {
        tags: ['live'],
        summary: 'Live events (Server-Sent Events); reconnect with Last-Event-ID',
        querystring: {
          type: 'object',
          properties: {
            lastEventId: { type: 'string', pattern: '^\\d{1,16}$' },
            types: { type: 'string', pattern: '^[a-z]+(,[a-z]+)*$', maxLength: 100 },
            key: { type: 'string', maxLength: 256, description: 'API key (EventSource cannot send headers)' },
          },
          additionalProperties: false,
        },
        response: errorResponses(400, 401, 404, 429),
      },
    },
    (request, reply) => {
      const feed = ctx.live;
      const header = request.headers['last-event-id'];
      const rawLast =
        typeof header === 'string' && /^\d{1,16}$/.test(header) ? header : request.query.lastEventId;
      const lastId = rawLast === undefined ? undefined : Number(rawLast);
      const wanted = request.query.types
        ?.split(',')
        .filter((t): t is LiveEvent['type'] => TYPES.has(t as never));
      const filter = wanted && wanted.length > 0 ? new Set(wanted) : null;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        ...corsHeaders(reply.getHeaders()),
      });
      // a HEAD answer has no body, so Node would hold these headers until end(): send them and close
      if (request.method === 'HEAD') return void res.end();
      res.write('retry: 2000\n\n');
      open.add(res);
      ctx.metrics.sseClients.inc();

      const send = (event: LiveEvent): void => {
        if (filter && !filter.has(event.type)) return;
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          res.destroy();
          return;
        }
        res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      };
      if (feed && lastId !== undefined) for (const event of feed.since(lastId)) send(event);
      const unsubscribe = feed?.subscribe(send);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe?.();
        open.delete(res);
        ctx.metrics.sseClients.dec();
      });
    },
  );
};

/** Headers @fastify/cors set on the reply before the route ran, which a hijacked reply would lose. */
function corsHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('access-control-') || k === 'vary') out[k] = String(v);
  }
  return out;
}
