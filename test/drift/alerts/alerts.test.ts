import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamlearnError } from '../../../src/core/errors.js';
import {
  ALERT_ID_HEADER,
  alertId,
  makeAlert,
  Outbox,
  sign,
  verifySignature,
  WebhookChannel,
  type Alert,
  type AlertChannel,
} from '../../../src/drift/alerts/index.js';
import { startReceiver } from './receiver.js';

const SECRET = 'test-secret-0123456789';

function alert(i: number): Alert {
  return makeAlert({
    pipeline: 'p',
    kind: 'feature',
    feature: `f${i}`,
    measure: 'psi',
    state: 'drift',
    value: 0.3,
    threshold: 0.25,
    reference: { start: 0, end: 999, count: 1000 },
    current: { start: 1000 + i, end: 1999 + i, count: 1000 },
    eventTime: 1999 + i,
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('alert documents', () => {
  it('id = hash of (pipeline, feature, measure, window start, state); stable and distinct', () => {
    const a = alert(1);
    expect(a.id).toBe(alertId('p', 'f1', 'psi', 1001, 'drift'));
    expect(alert(1).id).toBe(a.id);
    expect(alertId('p', 'f1', 'psi', 1001, 'resolved')).not.toBe(a.id);
    expect(a.severity).toBe('critical');
    expect(Object.keys(a)[0]).toBe('id');
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify(alert(1));
  const now = 1_800_000_000;
  const headers = (ts: number, b = body) => ({
    'x-streamlearn-timestamp': String(ts),
    'x-streamlearn-signature': sign(SECRET, ts, b),
  });
  it('verifies a fresh signature', () => {
    expect(verifySignature(SECRET, headers(now), body, 300, now + 10)).toBe(true);
    expect(verifySignature(SECRET, new Headers(headers(now)), Buffer.from(body), 300, now)).toBe(true);
  });
  it('rejects a tampered body, a wrong secret, a replay outside the tolerance, missing headers', () => {
    expect(verifySignature(SECRET, headers(now), `${body} `, 300, now)).toBe(false);
    expect(verifySignature('another-secret-xxxxxxxx', headers(now), body, 300, now)).toBe(false);
    expect(verifySignature(SECRET, headers(now), body, 300, now + 301)).toBe(false);
    expect(verifySignature(SECRET, {}, body, 300, now)).toBe(false);
  });
  it('accepts one of several v1 signatures (key rotation)', () => {
    const h = headers(now);
    h['x-streamlearn-signature'] =
      `${sign('old-secret-0000000000', now, body)}, ${h['x-streamlearn-signature']}`;
    expect(verifySignature(SECRET, h, body, 300, now)).toBe(true);
  });
});

async function outbox(dir: string, channel: AlertChannel, maxAttempts = 50): Promise<Outbox> {
  const box = await Outbox.open({ dir, channel, maxAttempts, initialDelayMs: 10, maxDelayMs: 100 });
  cleanups.push(() => box.close());
  return box;
}

describe('webhook channel behind the durable outbox, against a real HTTP receiver', () => {
  it('a receiver failing (500s and a timeout) then recovering gets each alert once, signed', async () => {
    // requests 0-3: 500, 4: hang (timeout), then 200
    const rx = await startReceiver((n) => (n < 4 ? 500 : n === 4 ? 'hang' : 200));
    cleanups.push(rx.close);
    const dir = mkdtempSync(join(tmpdir(), 'sl-outbox-'));
    const hook = new WebhookChannel({ name: 'hook', url: rx.url, secret: SECRET, timeoutMs: 300 });
    const box = await outbox(dir, hook);
    const alerts = [alert(1), alert(2), alert(3)];
    expect(await box.enqueue(alerts)).toBe(3);
    expect(readdirSync(join(dir, 'pending'))).toHaveLength(3); // durable before delivery
    box.start();
    await box.drain(15_000);
    expect(rx.received.length).toBeGreaterThan(5);
    const ids = rx.accepted.map((r) => r.headers[ALERT_ID_HEADER.toLowerCase()]);
    expect(ids.sort()).toEqual(alerts.map((a) => a.id).sort());
    for (const r of rx.accepted) {
      expect(verifySignature(SECRET, r.headers, r.body, 60)).toBe(true);
      expect((JSON.parse(r.body) as Alert).id).toBe(r.headers[ALERT_ID_HEADER.toLowerCase()]);
    }
    expect(readdirSync(join(dir, 'pending'))).toEqual([]);
    // a replay raises the same alerts again: already delivered, not queued
    expect(await box.enqueue(alerts)).toBe(0);
    expect(box.stats.delivered).toBe(3);
  });

  it('alerts pending across a restart of our delivery are delivered exactly once', async () => {
    let up = false;
    const rx = await startReceiver(() => (up ? 200 : 503));
    cleanups.push(rx.close);
    const dir = mkdtempSync(join(tmpdir(), 'sl-outbox-'));
    const hook = new WebhookChannel({ name: 'hook', url: rx.url, secret: SECRET, timeoutMs: 1000 });
    const first = await Outbox.open({
      dir,
      channel: hook,
      maxAttempts: 50,
      initialDelayMs: 10,
      maxDelayMs: 50,
    });
    const alerts = [alert(1), alert(2), alert(3), alert(4)];
    await first.enqueue(alerts);
    first.start();
    await new Promise((r) => setTimeout(r, 150));
    await first.close(); // "our service stops" with everything still pending
    expect(rx.accepted).toHaveLength(0);
    expect(readdirSync(join(dir, 'pending'))).toHaveLength(4);

    up = true;
    const second = await outbox(dir, hook);
    expect(second.pending).toBe(4);
    // the replay after restart raises alerts 3 and 4 again, plus a new 5
    expect(await second.enqueue([alerts[2]!, alerts[3]!, alert(5)])).toBe(1);
    second.start();
    await second.drain(10_000);
    const ids = rx.accepted.map((r) => r.headers[ALERT_ID_HEADER.toLowerCase()] as string);
    expect(ids).toEqual([...alerts, alert(5)].map((a) => a.id)); // in order, once each
    await second.close();

    // and a third instance knows they were delivered
    const third = await outbox(dir, hook);
    expect(third.pending).toBe(0);
    expect(await third.enqueue(alerts)).toBe(0);
    expect(third.isSettled(alerts[0]!.id)).toBe(true);
  });

  it('dead-letters after maxAttempts, and at once on a non-retriable answer', async () => {
    const rx = await startReceiver((n) => (n < 100 ? 500 : 200));
    cleanups.push(rx.close);
    const dir = mkdtempSync(join(tmpdir(), 'sl-outbox-'));
    const box = await outbox(
      dir,
      new WebhookChannel({ name: 'h', url: rx.url, secret: SECRET, timeoutMs: 500 }),
      3,
    );
    await box.enqueue([alert(1)]);
    box.start();
    await box.drain(5_000);
    expect(rx.received).toHaveLength(3);
    const dead = readFileSync(join(dir, 'dead-letter.jsonl'), 'utf8').trim().split('\n');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!)).toMatchObject({ id: alert(1).id, attempts: 3 });

    const dir2 = mkdtempSync(join(tmpdir(), 'sl-outbox-'));
    let calls = 0;
    const refusing: AlertChannel = {
      name: 'x',
      type: 'test',
      publish: async () => {
        calls++;
        throw new StreamlearnError('SL_ERR_UNAVAILABLE', 'HTTP 400', { retriable: false });
      },
    };
    const box2 = await outbox(dir2, refusing, 10);
    await box2.enqueue([alert(2)]);
    box2.start();
    await box2.drain(5_000);
    expect(calls).toBe(1);
    expect(box2.stats.deadLettered).toBe(1);
  });
});
