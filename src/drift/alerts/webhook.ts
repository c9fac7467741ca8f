import { StreamlearnError } from '../../core/errors.js';
import type { Alert } from './alert.js';
import type { AlertChannel } from './channel.js';
import { ALERT_ID_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';

export interface WebhookOptions {
  name: string;
  url: string;
  secret: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Wall clock in ms (the signature timestamp is delivery time, not event time). */
  now?: () => number;
}

/**
 * POSTs the alert as JSON, signed (`X-Streamlearn-Timestamp`, `X-Streamlearn-Signature: v1=<hex>`,
 * see {@link verifySignature}) and carrying `X-Streamlearn-Alert-Id`. A 2xx is success; 408, 429,
 * 5xx, timeouts and network errors are retriable; other statuses are not (the outbox dead-letters).
 */
export class WebhookChannel implements AlertChannel {
  readonly type = 'webhook';
  readonly name: string;
  private readonly now: () => number;

  constructor(private readonly options: WebhookOptions) {
    this.name = options.name;
    this.now = options.now ?? Date.now;
  }

  async publish(alert: Alert): Promise<void> {
    const body = JSON.stringify(alert);
    const ts = Math.floor(this.now() / 1000);
    let status: number;
    try {
      const res = await fetch(this.options.url, {
        method: 'POST',
        body,
        headers: {
          ...this.options.headers,
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(ts),
          [SIGNATURE_HEADER]: sign(this.options.secret, ts, body),
          [ALERT_ID_HEADER]: alert.id,
        },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined); // release the connection
    } catch (err) {
      throw new StreamlearnError('SL_ERR_UNAVAILABLE', `webhook ${this.name}: ${(err as Error).message}`, {
        cause: err,
        retriable: true,
      });
    }
    if (status >= 200 && status < 300) return;
    const retriable = status === 408 || status === 429 || status >= 500;
    throw new StreamlearnError('SL_ERR_UNAVAILABLE', `webhook ${this.name} answered HTTP ${status}`, {
      retriable,
    });
  }
}
