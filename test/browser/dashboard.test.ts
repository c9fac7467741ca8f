import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { RingLiveFeed } from '../../src/api/live-feed.js';
import {
  FakeAlerts,
  FakeDrift,
  FakeModelService,
  RecordingSink,
  fakeContext,
  featureDrift,
} from '../api/fakes.js';

// A real app on 127.0.0.1 with fake learner/monitor that publish into the live feed on a timer,
// and Debian's chromium driven by playwright-core (never a downloaded browser).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DRIFT_AFTER_MS = 4_000;

let app: FastifyInstance;
let browser: Browser;
let timer: NodeJS.Timeout;
let base: string;

beforeAll(async () => {
  const live = new RingLiveFeed(1_000);
  const drift = new FakeDrift();
  const alerts = new FakeAlerts();
  const models = new FakeModelService();
  const started = Date.now();
  const minute = 60_000;
  const t0 = Math.floor(started / minute) * minute - 10 * minute;
  const rowsAt = (i: number) =>
    ['eu', 'us', 'apac'].map((region, g) => ({
      pipeline: 'test',
      window: 'by_region',
      region,
      shard: g,
      start: t0 + i * minute,
      end: t0 + (i + 1) * minute,
      version: 1,
      retracted: false,
      count: 100 + 20 * g + ((i * 7) % 13),
      sum_amount: 1000 + 50 * g + i,
    }));
  const sink = new RecordingSink([...rowsAt(0), ...rowsAt(1)]);
  let tick = 0;
  let drifted = false;
  timer = setInterval(() => {
    tick++;
    const now = Date.now();
    live.publish('throughput', {
      at: now,
      eventsPerSecond: 900 + 100 * Math.sin(tick / 3),
      lag: { 'events:0': 40 + (tick % 7), 'events:1': 12 },
    });
    live.publish('metrics', {
      model: 'churn',
      version: models.version,
      eventsSeen: 1000 * tick,
      at: now,
      metrics: { accuracy: 0.8 + 0.1 * Math.sin(tick / 5), logLoss: 0.45 - 0.05 * Math.cos(tick / 5) },
    });
    if (tick % 2 === 0) live.publish('window', { window: 'by_region', rows: rowsAt(1 + tick / 2) });
    const driftNow = now - started >= DRIFT_AFTER_MS;
    drift.features = [
      featureDrift('amount', driftNow ? 0.35 : 0.04 + 0.01 * Math.sin(tick), now),
      featureDrift('age', 0.02, now),
    ];
    live.publish('drift', { at: now, features: drift.features, summary: drift.summary() });
    if (driftNow && !drifted) {
      drifted = true;
      const alert = {
        id: `alert-${now}`,
        at: now,
        feature: 'amount',
        state: 'drift',
        measure: 'psi',
        value: 0.35,
        message: 'amount drifted (psi 0.350 ≥ 0.2)',
      };
      alerts.add(alert);
      live.publish('alert', alert);
    }
  }, 250);
  app = await buildApp(fakeContext({ live, drift, alerts, models, sink }), {}, { env: {} });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  clearInterval(timer);
  await browser?.close();
  await app?.close();
});

describe('live dashboard in a real browser', () => {
  it('loads, fills every chart, shows the alert after the drift, and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    const external: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(base)) external.push(req.url());
    });
    const loadedAt = Date.now();
    await page.goto(`${base}/`);
    await expect.poll(() => page.textContent('#pipeline')).toBe('test');

    for (const chart of ['throughput', 'window', 'model', 'drift']) {
      // at least two points (CSS only: the page's CSP forbids the eval a predicate function would need)
      await page
        .locator(`[data-chart="${chart}"]:not([data-points="0"]):not([data-points="1"])`)
        .waitFor({ timeout: 15_000 });
    }
    expect(Date.now() - loadedAt).toBeLessThan(15_000);
    expect(await page.locator('#chart-window .u-legend').textContent()).toContain('apac');
    expect(await page.locator('#status').getAttribute('data-state')).toBe('live');

    // the drift first shows on the feature, then the alert lands in the list
    await page.waitForSelector('#drift-states li[data-feature="amount"][data-state="drift"]', {
      timeout: 15_000,
    });
    await page.waitForSelector('#alerts li[data-alert-id^="alert-"]', { timeout: 15_000 });
    expect(await page.locator('#alerts li').first().textContent()).toContain('amount drifted');

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  });
});
