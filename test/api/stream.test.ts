import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { RingLiveFeed, startThroughputReporter, windowRowsPublisher } from '../../src/api/live-feed.js';
import { KEY_A, fakeContext } from './fakes.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** Opens an SSE connection and collects messages until `count` arrived. */
function collect(
  port: number,
  path: string,
  headers: Record<string, string>,
  count: number,
  onOpen?: () => void,
): Promise<{ status: number; contentType: string; messages: SseMessage[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res: IncomingMessage) => {
      const messages: SseMessage[] = [];
      let buffer = '';
      const finish = () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), messages });
      };
      if (res.statusCode !== 200) {
        res.resume();
        return finish();
      }
      onOpen?.();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const msg: SseMessage = {};
          for (const line of block.split('\n')) {
            const m = /^(id|event|data): (.*)$/.exec(line);
            if (m) msg[m[1] as keyof SseMessage] = m[2];
          }
          if (msg.data !== undefined) messages.push(msg);
          if (messages.length >= count) return finish();
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /v1/stream (Server-Sent Events)', () => {
  it('streams new events, and replays missed ones after Last-Event-ID', async () => {
    const live = new RingLiveFeed(100);
    app = await buildApp(
      fakeContext({ live }),
      { apiKeys: [KEY_A], rateLimit: { enabled: false } },
      { env: {} },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;

    const first = await collect(port, `/v1/stream?key=${KEY_A}`, {}, 2, () => {
      live.publish('throughput', { at: 1, eventsPerSecond: 10 });
      live.publish('drift', { at: 2, features: [] });
    });
    expect(first.status).toBe(200);
    expect(first.contentType).toMatch(/text\/event-stream/);
    expect(first.messages).toEqual([
      { id: '1', event: 'throughput', data: '{"at":1,"eventsPerSecond":10}' },
      { id: '2', event: 'drift', data: '{"at":2,"features":[]}' },
    ]);

    // while disconnected
    live.publish('alert', { id: 'a1', feature: 'amount' });
    live.publish('metrics', { model: 'm', accuracy: 0.9 });
    const again = await collect(port, '/v1/stream', { 'x-api-key': KEY_A, 'last-event-id': '2' }, 3, () =>
      live.publish('window', { window: 'w', rows: [] }),
    );
    expect(again.messages.map((m) => [m.id, m.event])).toEqual([
      ['3', 'alert'],
      ['4', 'metrics'],
      ['5', 'window'],
    ]);

    const filtered = await collect(port, `/v1/stream?key=${KEY_A}&lastEventId=0&types=alert`, {}, 1);
    expect(filtered.messages.map((m) => m.id)).toEqual(['3']);

    const refused = await collect(port, '/v1/stream', {}, 1);
    expect(refused.status).toBe(401);
  });

  it('closes open streams when the app closes', async () => {
    app = await buildApp(fakeContext(), {}, { env: {} });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const ended = new Promise<void>((resolve) => {
      httpRequest({ host: '127.0.0.1', port, path: '/v1/stream' }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('close', resolve);
        void app!.close();
      }).end();
    });
    await ended;
    app = undefined;
  });
});

describe('RingLiveFeed', () => {
  it('keeps the last `capacity` events and replays after an id', () => {
    const feed = new RingLiveFeed(3);
    for (let i = 1; i <= 5; i++) feed.publish('throughput', i);
    expect(feed.since(0).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(feed.since(3).map((e) => e.data)).toEqual([4, 5]);
    expect(feed.since(5)).toEqual([]);
    // an id from before a restart (beyond the newest) replays the buffer
    expect(feed.since(1000).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(feed.lastId).toBe(5);
  });

  it('drops a listener that throws, others keep receiving', () => {
    const feed = new RingLiveFeed(10);
    const got: number[] = [];
    feed.subscribe(() => {
      throw new Error('bad listener');
    });
    const stop = feed.subscribe((e) => got.push(e.id));
    feed.publish('alert', {});
    feed.publish('alert', {});
    expect(got).toEqual([1, 2]);
    expect(feed.subscribers).toBe(1);
    stop();
    expect(feed.subscribers).toBe(0);
  });

  it('publishes window rows by window name and throughput per second', async () => {
    const feed = new RingLiveFeed(10);
    const onRows = windowRowsPublisher(feed, new Map([['w_by_region', 'by_region']]));
    onRows('w_by_region', [{ region: 'eu', start: 0 }]);
    onRows('predictions', [{ x: 1 }]);
    onRows('w_by_region', []);
    expect(feed.since(0)).toEqual([
      { id: 1, type: 'window', data: { window: 'by_region', rows: [{ region: 'eu', start: 0 }] } },
    ]);
    let records = 0;
    const stop = startThroughputReporter(feed, () => ({ records: (records += 100), lag: { 't:0': 5 } }), 50);
    await new Promise((r) => setTimeout(r, 130));
    stop();
    const tp = feed.since(1);
    expect(tp.length).toBeGreaterThanOrEqual(1);
    expect(tp[0]).toMatchObject({ type: 'throughput', data: { lag: { 't:0': 5 } } });
    expect((tp[0]!.data as { eventsPerSecond: number }).eventsPerSecond).toBeGreaterThan(0);
  });
});
