import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/runtime/metrics.js';

const dashboard = JSON.parse(
  readFileSync(new URL('../../docker/grafana-dashboard.json', import.meta.url), 'utf8'),
);

describe('docker/grafana-dashboard.json', () => {
  it('queries only metrics the service defines', async () => {
    const defined = new Set((await new Metrics(true).registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set<string>();
    for (const panel of dashboard.panels as { targets?: { expr?: string }[] }[]) {
      for (const t of panel.targets ?? []) {
        for (const m of (t.expr ?? '').matchAll(/\b(streamlearn_[a-z_]+|process_[a-z_]+|nodejs_[a-z0-9_]+)/g))
          used.add(m[1]!.replace(/_(bucket|count|sum)$/, ''));
      }
    }
    expect(used.size).toBeGreaterThan(15);
    for (const name of used) expect(defined, name).toContain(name);
  });
});
