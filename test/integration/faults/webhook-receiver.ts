import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERT_ID_HEADER, verifySignature, type Alert } from '../../../src/drift/alerts/index.js';

/** How the receiver answers: normally, not at all (the sender times out), or with HTTP 500. */
export type ReceiverMode = 'ok' | 'hang' | 'error';

/** What one route (`/hook/<route>`) received. */
export interface RouteLog {
  /** Alerts answered 2xx, by id, with how many times each was answered 2xx. */
  accepted: Map<string, { alert: Alert; times: number }>;
  /** Requests answered with an error or left to time out. */
  refused: number;
  /** Wall time of the first refused request, and of the last 2xx. */
  firstRefusedAt: number | null;
  lastAcceptedAt: number | null;
}

/**
 * An alert webhook receiver for the fault suite: verifies every request's HMAC signature and alert
 * id header (a bad one fails the test), counts 2xx answers per alert id and route, and can
 * misbehave on demand — hang until the sender gives up, or answer 500.
 */
export class WebhookReceiver {
  /** Requests that failed verification: must stay empty. */
  readonly rejected: string[] = [];
  private readonly routes = new Map<string, RouteLog>();
  private readonly modes = new Map<string, ReceiverMode>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | null = null;
  private port = 0;

  constructor(private readonly secret: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** How `route` answers from now on (default `ok`). */
  setMode(route: string, mode: ReceiverMode): void {
    this.modes.set(route, mode);
  }

  url(route: string): string {
    return `http://127.0.0.1:${this.port}/hook/${route}`;
  }

  log(route: string): RouteLog {
    let log = this.routes.get(route);
    if (!log) {
      log = { accepted: new Map(), refused: 0, firstRefusedAt: null, lastAcceptedAt: null };
      this.routes.set(route, log);
    }
    return log;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const route = /^\/hook\/([A-Za-z0-9_]+)$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || !route) return this.reject(res, `unexpected ${req.method} ${req.url}`);
    if (!verifySignature(this.secret, req.headers, body, 300))
      return this.reject(res, `bad signature on ${req.url}: ${body.slice(0, 200)}`);
    let alert: Alert;
    try {
      alert = JSON.parse(body) as Alert;
    } catch {
      return this.reject(res, `not JSON: ${body.slice(0, 200)}`);
    }
    if (req.headers[ALERT_ID_HEADER.toLowerCase()] !== alert.id)
      return this.reject(res, `alert id header does not match the body's id ${alert.id}`);
    const log = this.log(route);
    const mode = this.modes.get(route) ?? 'ok';
    if (mode !== 'ok') {
      log.refused++;
      log.firstRefusedAt ??= Date.now();
      if (mode === 'error') res.writeHead(500).end('receiver failing');
      else {
        // never answered: the sender's timeout fires and it closes the connection
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
      }
      return;
    }
    const seen = log.accepted.get(alert.id);
    if (seen) seen.times++;
    else log.accepted.set(alert.id, { alert, times: 1 });
    log.lastAcceptedAt = Date.now();
    res.writeHead(204).end();
  }

  private reject(res: ServerResponse, why: string): void {
    this.rejected.push(why);
    res.writeHead(401).end();
  }
}
