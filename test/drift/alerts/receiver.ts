import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 (random port). `behaviour(n)` decides the answer to the n-th
 * request (0-based): a status, or 'hang' to never answer (the sender's timeout fires).
 */
export async function startReceiver(
  behaviour: (n: number) => number | 'hang',
): Promise<{ url: string; received: Received[]; accepted: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const accepted: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const b = behaviour(n++);
      if (b === 'hang') return; // never answers
      if (b >= 200 && b < 300) accepted.push(r);
      res.writeHead(b).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
